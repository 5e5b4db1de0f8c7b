"""The navbar bell: the unread count, the notification list (a popover, with 모두 읽음 and a link to
/alerts) and browser notifications (the Notification API, ``assets/alerts.js``) for events set ``on``.

It polls the user's in-app deliveries every 3 s; the cursor (the newest id already notified) lives in the
tab's session storage, so a reload never notifies the same event again."""

from __future__ import annotations

import re
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, ctx, dcc, html
from flask import has_request_context
from flask_login import current_user

from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from trading.alerts.messages import text as event_text
from trading.timeconv import as_kst

BELL, COUNT, POP, LIST, READ = (
    "alerts-bell",
    "alerts-bell-count",
    "alerts-bell-pop",
    "alerts-bell-list",
    "alerts-read",
)
POLL, CURSOR, NEW, ENABLE = (
    "alerts-bell-poll",
    "alerts-bell-cursor",
    "alerts-bell-new",
    "alerts-browser-enable",
)
POLL_MS = 3000


def _user_id() -> int | None:
    if has_request_context() and current_user.is_authenticated:
        return int(current_user.user_id)
    return None


def alert_bell() -> html.Span:
    """The bell (hidden without a logged-in user; its callbacks then answer nothing)."""
    hidden = {} if _user_id() is not None else {"display": "none"}
    body = [
        html.Div(
            id=LIST,
            className="small",
            style={
                "maxHeight": "22rem",
                "overflowY": "auto",
                "minWidth": "18rem",
                "overflowWrap": "anywhere",
            },
        ),
        html.Div(
            [
                dbc.Button(t("alerts.mark_read"), id=READ, size="sm", color="secondary", outline=True),
                dbc.Button(t("alerts.browser_enable"), id=ENABLE, size="sm", color="link"),
                html.A(t("alerts.open_page"), href="/alerts", className="small ms-auto"),
            ],
            className="d-flex align-items-center gap-1 mt-2",
        ),
    ]
    return html.Span(
        [
            dbc.Button(
                [t("alerts.bell"), dbc.Badge("", id=COUNT, color="danger", pill=True, className="ms-1")],
                id=BELL,
                color="link",
                size="sm",
                title=t("alerts.bell"),
                className="ms-2 p-0 text-decoration-none text-reset",
            ),  # fmt: skip
            dbc.Popover(
                [dbc.PopoverHeader(t("alerts.bell")), dbc.PopoverBody(body)],
                id=POP,
                target=BELL,
                trigger="legacy",
                placement="bottom-end",
                style={"maxWidth": "26rem"},
            ),  # fmt: skip
            dcc.Interval(id=POLL, interval=POLL_MS),
            dcc.Store(id=CURSOR, storage_type="session"),
            dcc.Store(id=NEW),
        ],
        style=hidden,
    )


def _body(n: Any) -> str:  # noqa: ANN401 - a Notification
    """The event's line without its ``[title]`` prefix (the title is shown beside it)."""
    return re.sub(r"^\[[^\]]*\]\s*", "", event_text(n.type, n.payload, current_lang()))


def _item(n: Any) -> html.Div:  # noqa: ANN401 - db.repositories.alerts.Notification
    title = t(f"alerts.ev.{n.type}")
    return html.Div(
        [
            html.Div(
                [
                    html.B(title),
                    html.Span(f" {as_kst(n.time):%m-%d %H:%M:%S}", className="text-body-secondary"),
                ]
            ),
            html.Div(_body(n)),
        ],
        className="border-bottom py-1" + ("" if n.read else " fw-semibold"),
        id={"type": "alerts-item", "id": n.id},
    )


@dash.callback(
    output=dict(
        count=Output(COUNT, "children"),
        items=Output(LIST, "children"),
        cursor=Output(CURSOR, "data"),
        new=Output(NEW, "data"),
    ),
    inputs=dict(_n=Input(POLL, "n_intervals"), _read=Input(READ, "n_clicks"), _open=Input(POP, "is_open")),
    state=dict(cursor=State(CURSOR, "data")),
)
def _refresh(_n: int | None, _read: int | None, _open: bool | None, cursor: int | None) -> dict[str, Any]:
    from db.repositories import alerts as repo

    uid = _user_id()
    if uid is None:
        return {"count": "", "items": [], "cursor": cursor, "new": []}
    engine = runtime().engine
    if ctx.triggered_id == READ:
        repo.mark_read(engine, uid)
    rows = repo.notifications(engine, uid, 30)
    top = max((n.id for n in rows), default=0)
    new = []
    if cursor is not None:  # the first poll of a tab only sets the cursor
        new = [
            {
                "title": t(f"alerts.ev.{n.type}"),
                "body": _body(n),
                "tag": n.dedupe_id,
            }
            for n in repo.events_after(engine, uid, int(cursor), 20)
            if n.mode == "on"
        ]
    unread = repo.unread_count(engine, uid)
    items = [_item(n) for n in rows] or [html.Div(t("alerts.bell_empty"), className="text-body-secondary")]
    return {
        "count": str(unread) if unread else "",
        "items": items,
        "cursor": max(top, int(cursor or 0)),
        "new": new,
    }


clientside_callback(
    ClientsideFunction(namespace="gslts_alerts", function_name="notify"),
    Output(NEW, "clear_data"),
    Input(NEW, "data"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction(namespace="gslts_alerts", function_name="enable"),
    Output(ENABLE, "disabled"),
    Input(ENABLE, "n_clicks"),
    prevent_initial_call=True,
)
