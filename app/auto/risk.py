"""The risk panel of /auto: the user's account state (ACTIVE / REDUCING / HALTED with the reason), its
limits, and what the navbar's kill switch does."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from app.auto import ids
from app.components.callbacks import reply
from app.components.data import current_account
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.repositories import accounts as accounts_repo
from trading.krx.fmt import won
from trading.orders.risk import OrderLimits

STATE_COLOURS = {"active": "success", "reducing": "warning", "halted": "danger"}


def risk_card(lang: str) -> dbc.Card:
    body = [
        html.Div([dbc.Badge("", id=ids.RISK_STATE, className="me-2"), html.Span(id=ids.RISK_REASON)]),
        html.Div(id=ids.RISK_LIMITS, className="small mt-1"),
        html.P(t("auto.risk.kill_hint", lang), className="small text-body-secondary mt-2 mb-0"),
    ]
    return dbc.Card([dbc.CardHeader(t("auto.risk", lang)), dbc.CardBody(body)], id=ids.RISK, className="mt-3")


def limit_lines(row: accounts_repo.AccountRow, lang: str) -> list[str]:
    """The account's order limits and its risk manager's limits, as short lines."""
    s = runtime().settings
    lim = row.limits(OrderLimits(s.order_max_qty, s.order_max_amount, s.order_max_per_minute))
    lines = [
        t(
            "auto.risk.limits",
            lang,
            qty=f"{lim.max_qty:,}",
            amount=won(lim.max_amount),
            per_min=lim.max_per_minute,
        )
    ]
    acc = lim.account
    if acc.max_daily_loss is not None:
        lines.append(t("auto.risk.day_loss", lang, amount=won(acc.max_daily_loss)))
    if acc.max_orders_per_day is not None:
        lines.append(t("auto.risk.per_day", lang, n=acc.max_orders_per_day))
    if acc.max_stock_pct is not None:
        lines.append(t("auto.risk.stock_pct", lang, pct=acc.max_stock_pct))
    if acc.max_total_pct is not None:
        lines.append(t("auto.risk.total_pct", lang, pct=acc.max_total_pct))
    if acc.cash_reserve is not None:
        lines.append(t("auto.risk.reserve", lang, amount=won(acc.cash_reserve)))
    return lines


RISK_OUT = {
    "state": Output(ids.RISK_STATE, "children"),
    "colour": Output(ids.RISK_STATE, "color"),
    "reason": Output(ids.RISK_REASON, "children"),
    "limits": Output(ids.RISK_LIMITS, "children"),
}


@callback(output=RISK_OUT, inputs={"_tick": Input(ids.POLL, "n_intervals")})
def _refresh(_tick: int | None) -> dict[str, Any]:
    lang = current_lang()
    name = current_account()
    row = accounts_repo.get_account(runtime().engine, name) if name else None
    if row is None:
        return reply(RISK_OUT, state=t("auto.risk.none", lang), colour="secondary", reason="", limits="")
    state = row.risk.state.value
    reason = (
        t("auto.risk.reason", lang, reason=row.risk.reason) if row.risk.reason and state != "active" else ""
    )
    lines = [
        html.Div(t("auto.risk.account", lang, account=name)),
        *(html.Div(x) for x in limit_lines(row, lang)),
    ]
    return reply(RISK_OUT, state=t(f"auto.risk.{state}", lang), colour=STATE_COLOURS.get(state, "secondary"),
                 reason=reason, limits=lines)  # fmt: skip
