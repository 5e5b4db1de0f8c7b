"""The demo market's clock in the navbar (time and speed), and the admin's speed control.

Everyone sees ``데모 10:31 ×1`` (the paper market's simulated time and speed, refreshed every few seconds);
an admin opens it as a menu and picks another speed, which the running market takes at once (in-process,
or the market process over RPC: ``market.set_speed``). Nothing is shown with a broker or the real clock.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, dcc, html
from flask import has_request_context
from flask_login import current_user

from app.runtime import runtime
from app.text import t

log = logging.getLogger(__name__)

SPEEDS = (1, 5, 10, 30, 60, 300)
CLOCK_ID = "nav-market-clock"


def _is_admin() -> bool:
    return bool(
        has_request_context() and current_user.is_authenticated and getattr(current_user, "is_admin", False)
    )


def _label(info: dict | None) -> str:
    if not info or info.get("kind") != "demo":
        return ""
    return t("clock.label", time=f"{info['now']:%H:%M}", speed=f"{info['speed']:g}")


def market_clock() -> html.Div:
    """The navbar's clock (empty unless the paper market runs on the demo clock)."""
    settings = runtime().settings
    if settings.broker != "paper" or settings.market_clock != "demo":
        return html.Div()
    label = html.Span("", id=CLOCK_ID, title=t("clock.tip"))
    if _is_admin():
        items = [dbc.DropdownMenuItem(t("clock.speed_header"), header=True)] + [
            dbc.DropdownMenuItem(f"×{s}", id={"type": "clock-speed", "speed": s}) for s in SPEEDS
        ]
        body: object = dbc.DropdownMenu(
            items,
            label=label,
            size="sm",
            color="link",
            id="nav-clock-menu",
            className="ms-2",
            toggleClassName="text-reset text-decoration-none px-1",
        )
    else:
        body = html.Span(label, className="ms-2 small")
    return html.Div(
        [body, dcc.Interval(id="nav-clock-tick", interval=5000)], className="d-flex align-items-center small"
    )


@callback(
    Output(CLOCK_ID, "children"),
    Input("nav-clock-tick", "n_intervals"),
    Input({"type": "clock-speed", "speed": ALL}, "n_clicks"),
)
def _refresh(_n: int | None, clicks: list) -> str:
    container = runtime()
    trig = ctx.triggered_id
    if isinstance(trig, dict) and any(clicks):
        if not _is_admin():
            raise dash.exceptions.PreventUpdate
        try:
            return _label(container.set_market_speed(float(trig["speed"]), "admin"))
        except Exception:  # noqa: BLE001 - the owner did not take it: show the current clock
            log.exception("market speed not changed")
    try:
        return _label(container.market_clock())
    except Exception:  # noqa: BLE001 - the owner is away: no clock rather than an error
        return ""
