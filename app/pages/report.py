"""/report — the morning sector report (PRD §4.1): US sectors, Korean sector calls, picks, track record."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import Engine

from app.components.style import DOWN_CLASS, UP_CLASS, direction_class
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.cache import Topic, memoized
from db.repositories import history as history_repo
from db.repositories import reports as repo
from trading.krx.fmt import pct
from trading.report.export import picks_by_sector, to_csv, to_markdown
from trading.report.text import amount, direction_text, note_text, reason_text, sector_name

dash.register_page(
    __name__,
    path="/report",
    title="GSLTS · 섹터 리포트",
    order=20,
    nav_label="nav.report",
)


def _data_kinds(d: dict) -> str:
    """Which data a report or the track record used: Korean and US, simulated, real, mixed or none."""
    return t(
        "report.data_kinds",
        kr=t(f"report.kind_{d.get('kr_data', 'none')}"),
        us=t(f"report.kind_{d.get('us_data', 'none')}"),
    )


def _meta(r: dict[str, Any], lang: str) -> list:
    out: list = [
        html.Div(
            [
                html.Span(
                    t(
                        "report.data",
                        us=r["us_session_date"] or "-",
                        src=r["data_source"],
                        prev=r["prev_krx_session"],
                    ),
                    id="report-data-date",
                ),
                dbc.Badge(t("report.simulated"), color="warning", className="ms-2", id="report-simulated")
                if r["simulated"]
                else None,
                html.Span(
                    _data_kinds(r),
                    className="ms-2",
                    id="report-data-kinds",
                ),
            ],
            className="small text-body-secondary mb-2",
        )
    ]
    if r["stale_note"]:
        out.append(dbc.Alert(note_text(r["stale_note"], lang), color="warning", className="py-2 small"))
    if r.get("us_missing"):
        out.append(
            dbc.Alert(
                t("report.us_missing", symbols=", ".join(r["us_missing"])),
                color="warning",
                className="py-2 small",
                id="report-us-missing",
            )
        )
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
                html.Span(pct(m["return_pct"]), className=direction_class(m["return_pct"]) + " num fw-bold"),
            ],
            className="fw-bold" if m["signal"] == "up" else "",
        )
        for m in r["us_sectors"]
    ]
    idx = [
        html.Span(
            [f"{m['name']} ", html.Span(pct(m["return_pct"]), className=direction_class(m["return_pct"]))],
            className="me-3",
        )
        for m in r["us_indexes"]
    ]
    body = [html.Ol(rows, className="mb-2", id="report-us")]
    if idx:
        body.append(html.Div([html.B(t("report.indexes") + ": "), *idx], className="small"))
    return dbc.Card([dbc.CardHeader(t("report.us")), dbc.CardBody(body)], className="h-100")


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
                        className=(UP_CLASS if k["direction"] == "up" else DOWN_CLASS) + " fw-bold",
                    ),
                    html.Span(f" ({drivers})", className="small text-body-secondary"),
                ],
                className=f"kr-sector kr-{k['direction']}",
            )
        )
    body = (
        html.Ol(items, id="report-kr")
        if items
        else html.P(t("report.kr_none"), className="text-body-secondary")
    )
    return dbc.Card([dbc.CardHeader(t("report.kr")), dbc.CardBody(body)], className="h-100")


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
                    html.Span(
                        f" | {t('report.value_rank', rank=p['value_rank'])} | {amount(p['value'], lang)}"
                    ),
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
    body = groups or [html.P(t("report.picks_none"), className="text-body-secondary")]
    return dbc.Card(
        [dbc.CardHeader(t("report.picks")), dbc.CardBody(body, id="report-picks")], className="mt-3"
    )


def _ci(m: dict[str, Any]) -> str:
    if m["hit_rate"] is None:
        return "-"
    return f"{m['hit_rate'] * 100:.0f}% ({m['ci_low'] * 100:.0f}–{m['ci_high'] * 100:.0f}%)"


def _track(rec: dict[str, Any] | None, lang: str) -> dbc.Card:
    if not rec or not rec.get("sessions"):
        body: list = [html.P(t("report.track_none"), className="text-body-secondary small")]
    else:
        head = html.Thead(
            html.Tr(
                [html.Th(t("report.col_map"))]
                + [
                    html.Th(label, className="num")
                    for label in (
                        t("report.col_n"),
                        t("report.col_r"),
                        t("report.col_calls"),
                        t("report.col_hit"),
                    )
                ]
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
                t("report.track_period", start=rec["start"], end=rec["end"], n=rec["sessions"]),
                className="small",
            ),
            html.P(
                _data_kinds(rec),
                className="small text-body-secondary",
                id="report-track-data",
            ),
            dbc.Table(
                [head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="report-track-table"
            ),
            html.P(t("report.track_how"), className="small", id="report-track-how"),
        ]
        p = rec["picks"]
        if p.get("days"):
            body.append(
                html.P(
                    t(
                        "report.picks_perf",
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
    return dbc.Card(
        [dbc.CardHeader(t("report.track")), dbc.CardBody(body, id="report-track")], className="mt-3"
    )


def render(r: dict[str, Any] | None, day: str | None = None) -> list:
    """The report body for a stored report dict (or a message when there is none)."""
    lang = current_lang()
    if r is None:
        return [
            dbc.Alert(
                t("report.missing", day=day) if day else t("report.none"), color="light", id="report-empty"
            )
        ]
    track = history_repo.load_track_record(runtime().engine) or r.get("track_record")
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
            html.H1(t("report.title"), className="h4"),
            html.P(t("report.help"), className="small text-body-secondary", id="report-help"),
            html.Div(
                [
                    html.Label(t("report.date"), htmlFor="report-date", className="me-2 small"),
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
                        t("report.csv"),
                        id="report-csv",
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="ms-3",
                    ),
                    dbc.Button(
                        t("report.md"),
                        id="report-md",
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="ms-2",
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
