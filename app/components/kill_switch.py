"""The kill switch in the navbar, for users who trade: two clicks (the button, then the confirmation) HALT
the user's account and cancel its open orders through the gateway. While the account is not ACTIVE a
badge says so (with the reason) and a resume button, also confirmed, puts it back."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.components.data import can_trade, gateway, order_context
from app.text import t
from trading.brokers.errors import BrokerError, OrderRejected
from trading.orders.results import RiskReport

POLL_MS = 10_000
HIDDEN = {"display": "none"}


def kill_switch() -> html.Div:
    """The navbar's piece: state badge, kill and resume buttons with their confirmations."""
    hidden = {} if can_trade() else HIDDEN
    return html.Div(
        [
            dbc.Badge("", id="risk-state", color="danger", className="ms-2", style=HIDDEN),
            html.Button(
                t("risk.kill"),
                id="kill-button",
                title=t("risk.kill_tip"),
                className="btn btn-sm btn-outline-danger ms-2",
            ),  # fmt: skip
            html.Button(
                t("risk.resume"),
                id="resume-button",
                className="btn btn-sm btn-outline-success ms-1",
                style=HIDDEN,
            ),  # fmt: skip
            html.Span("", id="risk-message", className="small ms-2"),
            dcc.ConfirmDialog(id="kill-confirm", message=t("risk.kill_confirm")),
            dcc.ConfirmDialog(id="resume-confirm", message=t("risk.resume_confirm")),
            dcc.Interval(id="risk-poll", interval=POLL_MS),
        ],
        id="kill-switch",
        className="d-flex align-items-center",
        style=hidden,
    )


@dash.callback(
    dash.Output("kill-confirm", "displayed"),
    dash.Input("kill-button", "n_clicks"),
    prevent_initial_call=True,
)
def _ask_kill(_n: int | None) -> bool:
    return True


@dash.callback(
    dash.Output("resume-confirm", "displayed"),
    dash.Input("resume-button", "n_clicks"),
    prevent_initial_call=True,
)
def _ask_resume(_n: int | None) -> bool:
    return True


def _view(r: RiskReport | None, message: str) -> dict[str, Any]:
    if r is None or r.state == "active":
        return {"badge": "", "badge_style": HIDDEN, "tip": "", "resume_style": HIDDEN, "message": message}
    return {
        "badge": t(f"risk.{r.state}"),
        "badge_style": {},
        "tip": t(f"risk.{r.state}_tip", reason=r.reason or "-"),
        "resume_style": {},
        "message": message,
    }


@dash.callback(
    output={
        "badge": dash.Output("risk-state", "children"),
        "badge_style": dash.Output("risk-state", "style"),
        "tip": dash.Output("risk-state", "title"),
        "resume_style": dash.Output("resume-button", "style"),
        "message": dash.Output("risk-message", "children"),
    },
    inputs=[
        dash.Input("risk-poll", "n_intervals"),
        dash.Input("kill-confirm", "submit_n_clicks"),
        dash.Input("resume-confirm", "submit_n_clicks"),
    ],
)
def _risk(_tick: int | None, _kill: int | None, _resume: int | None) -> dict[str, Any]:
    if not can_trade():
        return _view(None, "")
    trigger = dash.ctx.triggered_id
    try:
        ctx = order_context()
        if trigger == "kill-confirm":
            r = gateway().kill(ctx, "kill switch (page)")
            failed = t("risk.failed", n=len(r.failed)) if r.failed else ""
            return _view(r, t("risk.killed", n=len(r.cancelled), failed=failed))
        if trigger == "resume-confirm":
            return _view(gateway().set_risk_state(ctx, "active", "resumed (page)"), t("risk.resumed"))
        return _view(gateway().risk_state(ctx), dash.no_update)
    except (OrderRejected, BrokerError) as err:  # e.g. the owner is away: say so, keep what is shown
        return {**dict.fromkeys(("badge", "badge_style", "tip", "resume_style"), dash.no_update),
                "message": err.message_ko}  # fmt: skip
