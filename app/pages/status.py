"""/admin/status — recorder health: lag, buffer depth, ticks/s, connections, last tick age per stock.

Admins only; anyone else gets a Korean message and no data (the refresh callback checks too).
"""

from __future__ import annotations

import time
from datetime import datetime

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import has_request_context
from flask_login import current_user

from app.components.login_status import login_protection
from app.text import t
from workers.recorder.health import COLORS, assess, waiting_for

dash.register_page(__name__, path="/admin/status", title="GSLTS · 수집 상태", order=900)

NOT_ADMIN = "관리자만 볼 수 있는 페이지입니다. 관리자 계정으로 로그인하세요."


def is_admin() -> bool:
    return bool(
        has_request_context() and current_user.is_authenticated and getattr(current_user, "is_admin", False)
    )


def _health() -> dict:
    from app.runtime import runtime
    from workers.recorder.metrics import load_health

    try:
        return load_health(runtime().settings)
    except Exception:  # noqa: BLE001
        return {}


def _fmt_time(t: float | None) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S") if t else "—"


def _kv(rows: list[tuple[str, object]], table_id: str) -> dbc.Table:
    return dbc.Table(
        html.Tbody([html.Tr([html.Th(k), html.Td(str(v), className="num")]) for k, v in rows]),
        id=table_id,
        size="sm",
        bordered=False,
    )


def waiting_text(what: str | None) -> str:
    """ "Redis" / "데이터베이스" / "없음" in the request's language."""
    return (
        t(f"recorder.dep_{what}") if what in ("redis", "database") else (what or t("recorder.waiting_none"))
    )


def render(health: dict) -> html.Div:
    """The status content for a health record (pure: testable without a request)."""
    level, reason, lag = assess(health)
    w, f = health.get("writer") or {}, health.get("feed") or {}
    waiting = waiting_for(health)
    if waiting:
        reason = t("recorder.waiting_badge", what=waiting_text(waiting))
    writer_rows = [
        (t("recorder.waiting_for"), waiting_text(waiting)),
        ("지연 (lag)", f"{lag:.2f} s" if lag is not None else "—"),
        ("버퍼 적재량", f"{w.get('buffer_depth', '—')} {w.get('buffer_unit', '')}"),
        ("초당 틱 (ticks/s)", w.get("ticks_per_s", "—")),
        ("저장된 틱", f"{w.get('committed_rows', 0):,}"),
        ("p99 틱→DB (ms)", w.get("p99_tick_to_db_ms", "—")),
        ("잘못된 항목/행", f"{w.get('malformed_entries', 0)} / {w.get('malformed_rows', 0)}"),
        ("DB 오류", w.get("db_errors", 0)),
        (t("recorder.dead_letters"), w.get("dead_letters", 0)),
        (t("recorder.restarts"), w.get("restarts", 0)),
        (t("recorder.overflow"), f"{w['overflow_bytes']:,} bytes" if w.get("overflow_bytes") else "0"),
        ("DB 연결", "정상" if w.get("db_up", False) else "끊김"),
        ("쓰기 방식", w.get("method", "—")),
        ("마지막 커밋", _fmt_time(w.get("last_commit"))),
        ("갱신", _fmt_time(w.get("updated"))),
    ]
    feed_rows = [
        ("브로커", f.get("broker", "—")),
        ("수집 종목 수", f.get("universe", "—")),
        ("수신 틱", f"{f.get('received', 0):,}"),
        ("잘못된 이벤트", f.get("malformed_events", 0)),
        (t("recorder.spilling"), t("recorder.yes") if f.get("spilling") else t("recorder.no")),
        ("구독 한도 초과 종목", f.get("dropped", 0)),
    ]
    conns = f.get("connections") or []
    conn_table = dbc.Table(
        [
            html.Thead(
                html.Tr([html.Th("연결"), html.Th("종목 수"), html.Th("마지막 틱 (초 전)"), html.Th("오류")])
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(c["id"]),
                            html.Td(c["codes"]),
                            html.Td(c.get("last_tick_age") or "—"),
                            html.Td(c.get("error") or ""),
                        ]
                    )
                    for c in conns
                ]
            ),
        ],
        id="status-connections",
        size="sm",
    )
    ages = sorted((f.get("last_tick_age") or {}).items(), key=lambda kv: -kv[1])[:50]
    age_table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th("종목"), html.Th("마지막 틱 (초 전)")])),
            html.Tbody([html.Tr([html.Td(c), html.Td(f"{a:.1f}", className="num")]) for c, a in ages]),
        ],
        id="status-tick-ages",
        size="sm",
    )
    return html.Div(
        [
            html.H2(["상태 ", dbc.Badge(reason, color=COLORS[level], id="status-level")], className="h5"),
            dbc.Row(
                [
                    dbc.Col(
                        [html.H3("기록기 (writer)", className="h6"), _kv(writer_rows, "status-writer")], md=6
                    ),
                    dbc.Col(
                        [html.H3("수신 (feed)", className="h6"), _kv(feed_rows, "status-feed"), conn_table],
                        md=6,
                    ),
                ]
            ),
            html.H3("종목별 마지막 틱 (오래된 순 50)", className="h6"),
            age_table,
            html.Div(f"{time.strftime('%H:%M:%S')}", className="small text-body-secondary"),
        ]
    )


def _body() -> html.Div:
    return html.Div([render(_health()), login_protection()])


def layout(**_query: str) -> html.Div:
    if not is_admin():
        return html.Div(dbc.Alert(NOT_ADMIN, color="warning", id="status-denied"))
    return html.Div(
        [
            html.H1("실시간 수집 상태", className="h4"),
            html.Div(_body(), id="status-body"),
            dcc.Interval(id="status-interval", interval=2000),
        ]
    )


@dash.callback(
    dash.Output("status-body", "children"),
    dash.Input("status-interval", "n_intervals"),
    prevent_initial_call=True,
)
def _refresh(_n: int | None) -> html.Div:
    if not is_admin():
        return html.Div(dbc.Alert(NOT_ADMIN, color="warning"))
    return _body()
