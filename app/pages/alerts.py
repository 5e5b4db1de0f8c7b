"""/alerts — the user's alert settings per event type (on / silent / off), webhooks (add, test, remove; the
HMAC secret shown once), Telegram chats (on the admin's allow-list), price alerts and the delivery ledger.

Everything goes through ``services.alerts.admin``; a refused input shows its Korean (or English) message."""

from __future__ import annotations

import contextlib
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from flask import has_request_context
from flask_login import current_user

from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from trading.alerts.events import EventType, Mode
from trading.timeconv import as_kst

# Reached from the navbar's bell (알림 설정 열기), not a navbar link of its own.
dash.register_page(__name__, path="/alerts", title="GSLTS · 알림", order=800)

MODE_ID, TEST_ID, REMOVE_ID, PA_REMOVE_ID = (
    "alerts-mode",
    "alerts-dest-test",
    "alerts-dest-remove",
    "alerts-pa-remove",
)


def _uid() -> int | None:
    return int(current_user.user_id) if has_request_context() and current_user.is_authenticated else None


def _err(err: Exception, lang: str) -> str:
    key = getattr(err, "key", None)
    return t(f"alerts.err.{key}", lang) if key else str(err)


def _settings_table(uid: int, lang: str) -> dbc.Table:
    from db.repositories.alerts import modes

    current = modes(runtime().engine, uid)
    options = [{"label": t(f"alerts.mode.{m.value}", lang), "value": m.value} for m in Mode]
    rows = [
        html.Tr(
            [
                html.Td(t(f"alerts.ev.{et.value}", lang)),
                html.Td(
                    dbc.RadioItems(
                        id={"type": MODE_ID, "event": et.value},
                        options=options,
                        value=current[et].value,
                        inline=True,
                    )
                ),  # fmt: skip
            ]
        )
        for et in EventType
    ]
    return dbc.Table(html.Tbody(rows), size="sm", id="alerts-settings")


def dest_list(uid: int, lang: str) -> html.Div:
    from db.repositories.alerts import destinations

    rows = [
        html.Tr(
            [
                html.Td(f"#{d.id}"),
                html.Td(t(f"alerts.{d.kind}s" if d.kind == "webhook" else "alerts.telegram", lang)),
                html.Td(d.name),
                html.Td(d.url or d.chat_id, className="small text-break"),
                html.Td(d.last_status or "—", className="small"),
                html.Td(
                    [
                        dbc.Button(
                            t("alerts.test", lang),
                            id={"type": TEST_ID, "id": d.id},
                            size="sm",
                            color="secondary",
                            outline=True,
                            className="me-1",
                        ),  # fmt: skip
                        dbc.Button(
                            t("alerts.remove", lang),
                            id={"type": REMOVE_ID, "id": d.id},
                            size="sm",
                            color="danger",
                            outline=True,
                        ),  # fmt: skip
                    ]
                ),
            ]
        )
        for d in destinations(runtime().engine, uid)
    ]
    if not rows:
        return html.Div(t("alerts.none", lang), className="text-body-secondary small", id="alerts-dest-table")
    return html.Div(dbc.Table(html.Tbody(rows), size="sm", id="alerts-dest-table"))


def price_list(uid: int, lang: str) -> html.Div:
    from db.repositories.alerts import price_alerts

    rows = [
        html.Tr(
            [
                html.Td(a.code),
                html.Td(t(f"alerts.kind.{a.kind}", lang)),
                html.Td(
                    f"{a.value:,.0f}" if a.kind in ("above", "below", "top_n") else f"±{a.value:g}%",
                    className="num",
                ),
                html.Td(t(f"alerts.st.{a.status}", lang)),
                html.Td(
                    dbc.Button(
                        t("alerts.remove", lang),
                        id={"type": PA_REMOVE_ID, "id": a.id},
                        size="sm",
                        color="danger",
                        outline=True,
                    )
                ),  # fmt: skip
            ]
        )
        for a in price_alerts(runtime().engine, uid)
    ]
    if not rows:
        return html.Div(t("alerts.none", lang), className="text-body-secondary small")
    return html.Div(dbc.Table(html.Tbody(rows), size="sm", id="alerts-pa-table"))


def ledger_table(uid: int, lang: str) -> dbc.Table:
    from db.repositories.alerts import ledger

    head = html.Thead(html.Tr([html.Th(t(f"alerts.col_{c}", lang)) for c in
                               ("time", "event", "dest", "status", "attempts", "error")]))  # fmt: skip
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(f"{as_kst(r.created_at):%m-%d %H:%M:%S}"),
                    html.Td(t(f"alerts.ev.{r.event_type}", lang)),
                    html.Td(r.destination),
                    html.Td(t(f"alerts.dl.{r.status}", lang), className=f"alerts-st-{r.status}"),
                    html.Td(str(r.attempts), className="num"),
                    html.Td(r.last_error or "", className="small"),
                ]
            )
            for r in ledger(runtime().engine, uid, 50)
        ]
    )
    return dbc.Table([head, body], size="sm", striped=True, id="alerts-ledger-table")


def _card(title: str, body: list[Any]) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def layout(**_query: str) -> html.Div:
    lang = current_lang()
    uid = _uid()
    if uid is None:
        return html.Div(t("alerts.err.login", lang))
    settings = runtime().settings
    tg_on = bool(settings.telegram_bot_token and settings.telegram_bot_token.get_secret_value().strip())
    webhook = [
        html.P(t("alerts.webhook_help", lang), className="small text-body-secondary"),
        dbc.InputGroup(
            [
                dbc.Input(id="alerts-wh-url", placeholder="https://…", type="url"),
                dbc.Input(
                    id="alerts-wh-name", placeholder=t("alerts.name", lang), style={"maxWidth": "10rem"}
                ),
                dbc.Button(t("alerts.add", lang), id="alerts-wh-add"),
            ],
            size="sm",
        ),
    ]
    telegram = [
        html.P(t("alerts.telegram_help", lang), className="small text-body-secondary"),
        *(
            []
            if tg_on
            else [dbc.Alert(t("alerts.telegram_off", lang), color="secondary", className="py-1 small")]
        ),
        dbc.InputGroup(
            [
                dbc.Input(id="alerts-tg-chat", placeholder=t("alerts.chat_id", lang), disabled=not tg_on),
                dbc.Button(t("alerts.add", lang), id="alerts-tg-add", disabled=not tg_on),
            ],
            size="sm",
        ),
    ]
    dests = [
        html.Div(id="alerts-dest-msg", className="small my-2"),
        html.Div(dest_list(uid, lang), id="alerts-dests"),
    ]
    left = [
        _card(
            t("alerts.settings", lang),
            [_settings_table(uid, lang), html.Div(id="alerts-settings-msg", className="small")],
        ),
    ]
    right = [
        _card(t("alerts.webhooks", lang), webhook),
        _card(t("alerts.telegram", lang), telegram),
        _card(t("alerts.destinations", lang), dests),
        _card(
            t("alerts.price_alerts", lang),
            [
                html.P(t("alerts.price_help", lang), className="small text-body-secondary"),
                html.Div(price_list(uid, lang), id="alerts-pa-list"),
            ],
        ),  # fmt: skip
    ]
    return html.Div(
        [
            html.H1(t("alerts.title", lang), className="h4"),
            html.P(t("alerts.intro", lang), className="small text-body-secondary"),
            dbc.Row([dbc.Col(left, lg=5), dbc.Col(right, lg=7)], className="g-3"),
            _card(t("alerts.ledger", lang), [html.Div(ledger_table(uid, lang), id="alerts-ledger")]),
            dcc.Interval(id="alerts-poll", interval=3000),
        ]
    )


@callback(
    Output("alerts-settings-msg", "children"),
    Input({"type": MODE_ID, "event": ALL}, "value"),
    prevent_initial_call=True,
)
def _save_modes(values: list[str]) -> str:
    from services.alerts.admin import AlertError, set_mode

    uid, lang = _uid(), current_lang()
    trig = ctx.triggered_id
    if uid is None or not isinstance(trig, dict):
        return ""
    value = next((i["value"] for i in ctx.inputs_list[0] if i["id"] == trig), None)
    try:
        set_mode(runtime().engine, uid, trig["event"], str(value))
    except AlertError as err:
        return _err(err, lang)
    return t("alerts.saved", lang)


@callback(
    output=dict(msg=Output("alerts-dest-msg", "children"), dests=Output("alerts-dests", "children")),
    inputs=dict(
        _wh=Input("alerts-wh-add", "n_clicks"),
        _tg=Input("alerts-tg-add", "n_clicks"),
        _test=Input({"type": TEST_ID, "id": ALL}, "n_clicks"),
        _rm=Input({"type": REMOVE_ID, "id": ALL}, "n_clicks"),
    ),
    state=dict(
        url=State("alerts-wh-url", "value"),
        name=State("alerts-wh-name", "value"),
        chat=State("alerts-tg-chat", "value"),
    ),  # fmt: skip
    prevent_initial_call=True,
)
def _destinations(
    _wh: Any, _tg: Any, _test: Any, _rm: Any, url: str | None, name: str | None, chat: str | None
) -> dict:
    from services.alerts import admin

    uid, lang = _uid(), current_lang()
    trig = ctx.triggered_id
    if uid is None or trig is None or not (ctx.triggered and ctx.triggered[0]["value"]):
        return {"msg": dash.no_update, "dests": dash.no_update}
    rt = runtime()
    try:
        if trig == "alerts-wh-add":
            dest_id, secret = admin.add_webhook(rt.engine, rt.settings, uid, url or "", name or "")
            msg: Any = dbc.Alert(t("alerts.secret_once", lang, id=dest_id, secret=secret), color="warning",
                                 className="py-1 small", id="alerts-secret")  # fmt: skip
        elif trig == "alerts-tg-add":
            admin.add_telegram(rt.engine, rt.settings, uid, chat or "")
            msg = t("alerts.saved", lang)
        elif trig["type"] == TEST_ID:
            r = admin.send_test(rt.engine, rt.settings, uid, int(trig["id"]))
            msg = t("alerts.test_ok", lang) if r.ok else t("alerts.test_failed", lang, error=r.error)
        else:
            admin.remove_destination(rt.engine, uid, int(trig["id"]))
            msg = t("alerts.removed", lang)
    except admin.AlertError as err:
        msg = dbc.Alert(_err(err, lang), color="danger", className="py-1 small", id="alerts-error")
    return {"msg": msg, "dests": dest_list(uid, lang)}


@callback(
    Output("alerts-pa-list", "children"),
    Input({"type": PA_REMOVE_ID, "id": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def _remove_price_alert(_clicks: list[int | None]) -> Any:  # noqa: ANN401
    from services.alerts.admin import AlertError, delete_price_alert

    uid, lang = _uid(), current_lang()
    trig = ctx.triggered_id
    if uid is None or not isinstance(trig, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return dash.no_update
    with contextlib.suppress(AlertError):  # already gone: the list below says so
        delete_price_alert(runtime().engine, uid, int(trig["id"]))
    return price_list(uid, lang)


@callback(Output("alerts-ledger", "children"), Input("alerts-poll", "n_intervals"), prevent_initial_call=True)
def _ledger(_n: int | None) -> Any:  # noqa: ANN401
    uid = _uid()
    return ledger_table(uid, current_lang()) if uid is not None else dash.no_update
