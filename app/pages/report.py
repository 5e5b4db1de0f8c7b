"""/report — the morning sector report (PRD §4.1): US sectors, Korean sector calls, picks, track record."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import Engine

from app.i18n import current_lang, pick
from app.runtime import runtime
from db.cache import Topic, memoized
from db.repositories import reports as repo
from trading.krx.fmt import pct
from trading.report.export import picks_by_sector, to_csv, to_markdown
from trading.report.text import amount, direction_text, note_text, reason_text, sector_name
from trading.report.track_store import load_track_record

dash.register_page(
    __name__,
    path="/report",
    title="GSLTS · 섹터 리포트",
    order=20,
    nav_label="nav.report",
)

# Page text (Korean, English). Kept here so this page owns its strings.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("오늘의 섹터 분석", "Today's sector report"),
    "help": (
        "매일 아침 8시, 전날 밤 미국 섹터 ETF의 등락을 보고 오늘 한국에서 강세·약세가 예상되는 섹터와 "
        "거래대금 상위 종목을 정리합니다. 과거 통계에 기반한 참고 자료일 뿐 투자 권유가 아니며, "
        "투자 판단과 책임은 본인에게 있습니다.",
        "Every morning at 08:00 this report looks at last night's US sector ETF moves and lists the Korean "
        "sectors expected to rise or fall today, with their most traded stocks. It is reference material "
        "based on past statistics, not investment advice; decisions and their risk are yours.",
    ),
    "date": ("리포트 날짜", "Report date"),
    "none": (
        "저장된 리포트가 없습니다. 매일 08:00에 자동 생성되며 `gslts report`로 바로 만들 수 있습니다.",
        "No report stored yet. One is made every day at 08:00; `gslts report` makes one now.",
    ),
    "missing": ("{day} 리포트가 없습니다.", "No report for {day}."),
    "data": (
        "기준 미국 세션 {us} · 데이터 {src} · 직전 KRX 세션 {prev}",
        "US session {us} · data {src} · previous KRX session {prev}",
    ),
    "simulated": ("시뮬레이션 데이터", "Simulated data"),
    "us": ("🇺🇸 미국 전일 섹터", "🇺🇸 US sectors, previous session"),
    "indexes": ("지수", "Indexes"),
    "kr": ("🇰🇷 한국 섹터 (예상)", "🇰🇷 Korean sectors (expected)"),
    "kr_none": ("방향이 예상되는 섹터가 없습니다.", "No sector has an expected direction."),
    "picks": ("💎 추천 종목 (거래대금 상위 기준)", "💎 Picks (by trading value)"),
    "picks_none": ("추천 종목이 없습니다.", "No picks."),
    "value_rank": ("거래대금 {rank}위", "Trading value #{rank}"),
    "track": ("추천 성과 (과거 데이터 검증)", "Track record (measured on stored history)"),
    "track_none": (
        "아직 계산된 성과가 없습니다 (매일 밤 다시 계산).",
        "No track record computed yet (recomputed nightly).",
    ),
    "track_period": ("{start} ~ {end}, {n}개 세션", "{start} to {end}, {n} sessions"),
    "col_map": ("매핑", "Mapping"),
    "col_n": ("표본", "n"),
    "col_r": ("상관계수 r", "Pearson r"),
    "col_hit": ("방향 적중률 (95% 구간)", "Hit rate (95% CI)"),
    "col_calls": ("신호 수", "Calls"),
    "picks_perf": (
        "추천 종목 다음 세션 평균 {pick} vs 시장 {mkt} (초과 {ex}); 시가→종가 {po} vs {mo}; {days}일 중 {beat}일 시장 상회",
        "Picks' next-session average {pick} vs market {mkt} (excess {ex}); open→close {po} vs {mo}; beat the market on {beat} of {days} days",
    ),
    "csv": ("CSV 내보내기", "Export CSV"),
    "md": ("Markdown 내보내기", "Export Markdown"),
}


def _t(key: str, **fmt: object) -> str:
    return pick(TEXT, key, **fmt)


def _signed_cls(x: float) -> str:
    return "text-up" if x > 0 else "text-down" if x < 0 else "text-flat"


def _meta(r: dict[str, Any], lang: str) -> list:
    out: list = [
        html.Div(
            [
                html.Span(
                    _t(
                        "data",
                        us=r["us_session_date"] or "-",
                        src=r["data_source"],
                        prev=r["prev_krx_session"],
                    ),
                    id="report-data-date",
                ),
                dbc.Badge(_t("simulated"), color="warning", className="ms-2", id="report-simulated")
                if r["simulated"]
                else None,
            ],
            className="small text-body-secondary mb-2",
        )
    ]
    if r["stale_note"]:
        out.append(dbc.Alert(note_text(r["stale_note"], lang), color="warning", className="py-2 small"))
    out += [
        dbc.Alert(note_text(n, lang), color="secondary", className="py-2 small report-note")
        for n in r["notes"]
    ]
    return out


def _us_card(r: dict[str, Any]) -> dbc.Card:
    rows = [
        html.Li(
            [
                html.Span(f"{m['name']} ({m['symbol']}) "),
                html.Span(pct(m["return_pct"]), className=_signed_cls(m["return_pct"]) + " num fw-bold"),
            ],
            className="fw-bold" if m["signal"] == "up" else "",
        )
        for m in r["us_sectors"]
    ]
    idx = [
        html.Span(
            [f"{m['name']} ", html.Span(pct(m["return_pct"]), className=_signed_cls(m["return_pct"]))],
            className="me-3",
        )
        for m in r["us_indexes"]
    ]
    body = [html.Ol(rows, className="mb-2", id="report-us")]
    if idx:
        body.append(html.Div([html.B(_t("indexes") + ": "), *idx], className="small"))
    return dbc.Card([dbc.CardHeader(_t("us")), dbc.CardBody(body)], className="h-100")


def _kr_card(r: dict[str, Any], lang: str) -> dbc.Card:
    called = [k for k in r["kr_sectors"] if k["direction"] != "neutral"]
    called.sort(key=lambda k: -k["signal_pct"])
    items = []
    for k in called:
        arrow = "⬆️" if k["direction"] == "up" else "⬇️"
        drivers = ", ".join(f"{d['etf']} {pct(d['return_pct'])}" for d in k["drivers"] if d["signal"])
        items.append(
            html.Li(
                [
                    html.Span(k["name_en"] if lang == "en" else k["name_ko"], className="me-2"),
                    html.Span(
                        f"{arrow} {direction_text(k['direction'], lang)}",
                        className=("text-up" if k["direction"] == "up" else "text-down") + " fw-bold",
                    ),
                    html.Span(f" ({drivers})", className="small text-body-secondary"),
                ],
                className=f"kr-sector kr-{k['direction']}",
            )
        )
    body = html.Ol(items, id="report-kr") if items else html.P(_t("kr_none"), className="text-body-secondary")
    return dbc.Card([dbc.CardHeader(_t("kr")), dbc.CardBody(body)], className="h-100")


def _picks(r: dict[str, Any], lang: str) -> dbc.Card:
    groups = []
    for code, picks in picks_by_sector(r):
        rows = [
            html.Li(
                [
                    dcc.Link(
                        f"{p['name'] if lang == 'ko' else p.get('name_en') or p['name']} ({p['code']})",
                        href=f"/trade/{p['code']}",
                        className="report-pick fw-bold",
                        id=f"pick-{p['code']}",
                    ),
                    html.Span(f" | {_t('value_rank', rank=p['value_rank'])} | {amount(p['value'], lang)}"),
                    html.Div(
                        " · ".join(reason_text(x, lang) for x in p["reasons"]),
                        className="small text-body-secondary",
                    ),
                ],
                className="mb-1",
            )
            for p in picks
        ]
        groups.append(html.Div([html.H3(f"[{sector_name(code, lang)}]", className="h6 mt-2"), html.Ul(rows)]))
    body = groups or [html.P(_t("picks_none"), className="text-body-secondary")]
    return dbc.Card([dbc.CardHeader(_t("picks")), dbc.CardBody(body, id="report-picks")], className="mt-3")


def _ci(m: dict[str, Any]) -> str:
    if m["hit_rate"] is None:
        return "-"
    return f"{m['hit_rate'] * 100:.0f}% ({m['ci_low'] * 100:.0f}–{m['ci_high'] * 100:.0f}%)"


def _track(rec: dict[str, Any] | None, lang: str) -> dbc.Card:
    if not rec or not rec.get("sessions"):
        body: list = [html.P(_t("track_none"), className="text-body-secondary small")]
    else:
        head = html.Thead(
            html.Tr(
                [html.Th(_t(k)) for k in ("col_map",)]
                + [html.Th(_t(k), className="num") for k in ("col_n", "col_r", "col_calls", "col_hit")]
            )
        )
        rows = [
            html.Tr(
                [
                    html.Td(
                        f"{m['etf']} → {sector_name(m['sector_code'], lang)}" + ("" if m["enabled"] else " ✕")
                    ),
                    html.Td(m["n"], className="num"),
                    html.Td("-" if m["pearson_r"] is None else f"{m['pearson_r']:+.2f}", className="num"),
                    html.Td(m["calls"], className="num"),
                    html.Td(_ci(m), className="num"),
                ]
            )
            for m in rec["mappings"]
        ]
        body = [
            html.P(
                _t("track_period", start=rec["start"], end=rec["end"], n=rec["sessions"]), className="small"
            ),
            dbc.Table(
                [head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="report-track-table"
            ),
        ]
        p = rec["picks"]
        if p.get("days"):
            body.append(
                html.P(
                    _t(
                        "picks_perf",
                        pick=pct(p["avg_pick_return_pct"]),
                        mkt=pct(p["avg_market_return_pct"]),
                        ex=pct(p["excess_pct"]),
                        po=pct(p["avg_pick_open_close_pct"]),
                        mo=pct(p["avg_market_open_close_pct"]),
                        days=p["days"],
                        beat=p["days_beating_market"],
                    ),
                    className="small",
                    id="report-track-picks",
                )
            )
        body.append(
            html.P(rec["method"]["en" if lang == "en" else "ko"], className="small text-body-secondary")
        )
    return dbc.Card([dbc.CardHeader(_t("track")), dbc.CardBody(body, id="report-track")], className="mt-3")


def render(r: dict[str, Any] | None, day: str | None = None) -> list:
    """The report body for a stored report dict (or a message when there is none)."""
    lang = current_lang()
    if r is None:
        return [dbc.Alert(_t("missing", day=day) if day else _t("none"), color="light", id="report-empty")]
    track = load_track_record(runtime().settings.data_dir) or r.get("track_record")
    return [
        *_meta(r, lang),
        dbc.Row([dbc.Col(_us_card(r), md=6), dbc.Col(_kr_card(r, lang), md=6)], className="g-3"),
        _picks(r, lang),
        _track(track, lang),
    ]


@memoized(Topic.REPORTS)
def _body(engine: Engine, day: str | None, missing: str | None, lang: str) -> list:
    """``render`` of the stored report of ``day`` in ``lang`` (the current language) on ``engine``'s database
    (the one ``_load`` reads), cached until a report is stored or the track record recomputed."""
    return render(_load(day), missing)


def _load(day: str | None) -> dict[str, Any] | None:
    if not day:
        return None
    try:
        return repo.get_report(runtime().engine, date.fromisoformat(day[:10]))
    except ValueError:
        return None


def layout(date: str | None = None, **_query: str) -> html.Div:  # noqa: A002 - the ?date= query
    dates = repo.report_dates(runtime().engine)
    chosen = (
        date
        if date and any(d.isoformat() == date for d in dates)
        else (dates[0].isoformat() if dates else None)
    )
    return html.Div(
        [
            html.H1(_t("title"), className="h4"),
            html.P(_t("help"), className="small text-body-secondary", id="report-help"),
            html.Div(
                [
                    html.Label(_t("date"), htmlFor="report-date", className="me-2 small"),
                    dcc.DatePickerSingle(
                        id="report-date",
                        date=chosen,
                        min_date_allowed=dates[-1].isoformat() if dates else None,
                        max_date_allowed=dates[0].isoformat() if dates else None,
                        display_format="YYYY-MM-DD",
                        first_day_of_week=1,
                        style={"maxWidth": "12rem"},
                    ),
                    dbc.Button(
                        _t("csv"),
                        id="report-csv",
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="ms-3",
                    ),
                    dbc.Button(
                        _t("md"), id="report-md", size="sm", color="secondary", outline=True, className="ms-2"
                    ),
                    dcc.Download(id="report-download"),
                ],
                className="d-flex align-items-center flex-wrap mb-3",
            ),
            html.Div(_body(runtime().engine, chosen, None, current_lang()), id="report-body"),
        ]
    )


@callback(Output("report-body", "children"), Input("report-date", "date"), prevent_initial_call=True)
def _show(day: str | None) -> list:
    return _body(runtime().engine, day, day[:10] if day else None, current_lang())


@callback(
    Output("report-download", "data"),
    Input("report-csv", "n_clicks"),
    Input("report-md", "n_clicks"),
    State("report-date", "date"),
    prevent_initial_call=True,
)
def _export(_csv: int | None, _md: int | None, day: str | None) -> dict | None:
    r = _load(day)
    if r is None:
        return None
    lang = current_lang()
    if dash.ctx.triggered_id == "report-md":
        return dcc.send_string(to_markdown(r, lang), f"gslts-report-{r['session_date']}.md")
    return dcc.send_string("\ufeff" + to_csv(r, lang), f"gslts-report-{r['session_date']}.csv")
