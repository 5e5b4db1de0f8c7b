"""The tour's callbacks: render the card, move through the steps (saving progress), fill in the order
panel on the order step. The order is the user's: they press 주문 in the normal panel (the gateway)."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from app.components.data import account_reader
from app.guide import ids
from app.guide.card import render
from app.guide.context import first_trade_code, order_price, step_of, tour_steps, user_id, valid_code
from app.guide.steps import ORDER_STEP
from app.runtime import runtime
from app.trade import ids as trade_ids
from db.repositories import guide as guide_repo
from trading.brokers.errors import BrokerError


@callback(
    Output(ids.CARD, "children"),
    Output(ids.CARD, "className"),
    Input(ids.STATE, "data"),
    Input("url", "pathname"),
)
def _render(state: dict | None, pathname: str | None) -> tuple[list, str]:
    return render(state, pathname)


def has_order(code: str) -> bool:
    """Whether the user's account has an order in ``code`` today (placed through the order panel)."""
    try:
        return any(o.code == code for o in account_reader().orders())
    except BrokerError:
        return False


def _save(uid: int, status: str, step: int) -> None:
    guide_repo.save_progress(runtime().engine, uid, status, step)


def move(action: str, state: dict[str, Any], uid: int) -> tuple[dict[str, Any], str | None]:
    """The next state and the page to open (None: stay) for a press of ``action``. ``state`` comes from
    the browser: its code is kept only when it is a listed stock, its step is clamped to the tour."""
    code = valid_code(state.get("code"))
    if action in ("start", "restart"):
        code = first_trade_code()[0] if action == "restart" or not code else code
        _save(uid, "active", 0)
        return {"status": "active", "step": 0, "code": code}, tour_steps(code)[0].path
    if action in ("later", "skip"):
        _save(uid, "skipped", max(step_of(state), 0))
        return {**state, "status": "skipped", "msg": None}, None
    steps = tour_steps(code)
    k = min(max(step_of(state), 0), len(steps) - 1)
    if action in ("finish", "backtest"):
        _save(uid, "completed", k)
        done = {**state, "status": "completed", "msg": None}
        return done, (f"/backtest?code={code}" if action == "backtest" else None)
    if action == "go":
        return {**state, "msg": None}, steps[k].path
    if action == "ordered" and not has_order(code):
        return {**state, "msg": "guide.no_order_yet"}, None
    k = max(k - 1, 0) if action == "prev" else min(k + 1, len(steps) - 1)
    _save(uid, "active", k)
    return {"status": "active", "step": k, "code": code}, steps[k].path


@callback(
    Output(ids.STATE, "data"),
    Output("url", "href", allow_duplicate=True),
    Input({"type": ids.BUTTON, "action": ALL}, "n_clicks"),
    State(ids.STATE, "data"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def _press(_clicks: list, state: dict | None, pathname: str | None) -> tuple[Any, Any]:
    trig = ctx.triggered_id
    if not isinstance(trig, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # new buttons rendered (n_clicks 0), not a press
    if trig.get("action") not in ids.ACTIONS:
        raise PreventUpdate
    uid = user_id()
    if uid is None:
        raise PreventUpdate
    new, path = move(trig["action"], state or {"status": "new", "step": 0}, uid)
    return new, (path if path and path != pathname else no_update)


@callback(
    Output(trade_ids.ORDER_SIDE, "value", allow_duplicate=True),
    Output(trade_ids.ORDER_TYPE, "value", allow_duplicate=True),
    Output(trade_ids.ORDER_PRICE, "value", allow_duplicate=True),
    Output(trade_ids.ORDER_QTY, "value", allow_duplicate=True),
    Input(ids.STATE, "data"),
    State(trade_ids.TRADE_CODE, "data"),
    prevent_initial_call="initial_duplicate",
)
def _prefill(state: dict | None, code: str | None) -> tuple[Any, ...]:
    """On the order step of the stock on screen: buy, limit, the best bid, 1 share."""
    if (
        not state
        or state.get("status") != "active"
        or not code
        or state.get("code") != code
        or state.get("msg")
    ):
        raise PreventUpdate
    steps = tour_steps(code)
    k = step_of(state)
    if not 0 <= k < len(steps) or steps[k].key != ORDER_STEP:
        raise PreventUpdate
    price = order_price(code)
    if price is None:
        raise PreventUpdate
    return "buy", "limit", price, 1
