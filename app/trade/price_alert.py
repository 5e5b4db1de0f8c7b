"""The trade page's price-alert form: crosses above/below a price, ±% from the previous close, or enters
the 거래대금 TOP N. Saved through ``services.alerts.admin`` (listed and removed on /alerts)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html
from flask import has_request_context
from flask_login import current_user

from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from app.trade import ids
from trading.alerts.price_rules import KINDS

PA_KIND, PA_VALUE, PA_ADD, PA_MSG = "trade-pa-kind", "trade-pa-value", "trade-pa-add", "trade-pa-msg"


def price_alert_card(price: int) -> dbc.Card:
    options = [{"label": t(f"alerts.kind.{k}"), "value": k} for k in KINDS]
    return dbc.Card(
        [
            dbc.CardHeader(t("alerts.pa_title"), className="py-1"),
            dbc.CardBody(
                [
                    dbc.InputGroup(
                        [
                            dbc.Select(
                                id=PA_KIND, options=options, value="above", style={"maxWidth": "11rem"}
                            ),
                            dbc.Input(
                                id=PA_VALUE, type="number", value=price, placeholder=t("alerts.pa_value")
                            ),
                            dbc.Button(t("alerts.pa_add"), id=PA_ADD, color="secondary"),
                        ],
                        size="sm",
                    ),
                    html.Div(id=PA_MSG, className="small mt-1"),
                ],
                className="py-2",
            ),
        ],
        className="mt-2",
        id="trade-price-alert",
    )


@callback(
    Output(PA_MSG, "children"),
    Input(PA_ADD, "n_clicks"),
    State(ids.TRADE_CODE, "data"),
    State(PA_KIND, "value"),
    State(PA_VALUE, "value"),
    prevent_initial_call=True,
)
def _add(n: int | None, code: str | None, kind: str | None, value: Any) -> Any:  # noqa: ANN401
    from services.alerts.admin import AlertError, add_price_alert

    lang = current_lang()
    if not n:
        return ""
    if not (has_request_context() and current_user.is_authenticated):
        return t("alerts.err.login", lang)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return html.Span(
            t(f"alerts.err.value_{kind}" if kind in KINDS else "alerts.err.kind", lang),
            className="text-danger",
        )
    try:
        alert_id = add_price_alert(
            runtime().engine, int(current_user.user_id), code or "", kind or "", number
        )
    except AlertError as err:
        return html.Span(t(f"alerts.err.{err.key}", lang), className="text-danger")
    return html.Span(t("alerts.pa_added", lang, id=alert_id), className="text-success")
