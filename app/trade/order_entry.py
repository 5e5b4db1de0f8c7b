"""Order entry: the order panel (매수/매도, 지정가/시장가, price ± tick, quantity ± and 10/25/50/100%, the
estimate with commission and tax, 주문) and its confirmation dialog.

Orders go only through the order gateway: ``gateway().prepare`` first (validation, risk; a large or LIVE
order gets a one-time token and opens the confirmation), then ``gateway().place`` with
``order_context(token)``. Each press of 주문 has its client id ``<page nonce>-<press>``; an order whose
outcome is unknown (OrderPending, "결과 확인 중") keeps its id in ``order-retry``, and the same order
pressed again reuses it, so it cannot become a second order (``account_view`` asks the gateway about it).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app.components.callbacks import reply
from app.components.data import fee_rate, gateway, market_data, order_context, stock
from app.components.help import term
from app.components.orders import name_of, side_text, type_text
from app.components.toasts import add_toasts, toast
from app.i18n import message
from app.runtime import runtime
from app.text import t
from app.trade import ids
from app.trade.account_view import account_view
from app.trade.inputs import as_int
from trading.brokers.errors import BrokerError, OrderPending, OrderRejected, Reason
from trading.domain import Order, OrderRequest, OrderType, Side
from trading.krx import move_ticks, round_to_tick
from trading.order_estimate import estimate, max_buy_qty, pct_qty

PCTS = (10, 25, 50, 100)

# --- layout ---------------------------------------------------------------------------------------


def order_panel(price: int, can_trade: bool = True) -> dbc.Card:
    """The panel; a viewer sees it disabled (the gateway refuses their orders on the server as well)."""
    side = dbc.RadioItems(
        id=ids.ORDER_SIDE,
        options=[
            {"label": t("order.buy"), "value": "buy"},
            {"label": t("order.sell"), "value": "sell"},
        ],
        value="buy",
        inline=True,
        className="btn-group w-100 order-side",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary w-100",
        labelCheckedClassName="active",
    )
    otype = dbc.RadioItems(
        id=ids.ORDER_TYPE,
        options=[
            {"label": t("order.limit"), "value": "limit"},
            {"label": t("order.market"), "value": "market"},
        ],
        value="limit",
        inline=True,
        className="btn-group btn-group-sm w-100",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary btn-sm w-100",
        labelCheckedClassName="active",
    )
    price_row = dbc.InputGroup(
        [
            dbc.Button("−", id=ids.ORDER_PRICE_DOWN, color="secondary", outline=True, n_clicks=0),
            dbc.Input(id=ids.ORDER_PRICE, type="number", value=price, min=1, step=1, className="num"),
            dbc.Button("+", id=ids.ORDER_PRICE_UP, color="secondary", outline=True, n_clicks=0),
        ],
        size="sm",
    )
    qty_row = dbc.InputGroup(
        [
            dbc.Button("−", id=ids.ORDER_QTY_MINUS, color="secondary", outline=True, n_clicks=0),
            dbc.Input(id=ids.ORDER_QTY, type="number", value=1, min=0, step=1, className="num"),
            dbc.Button("+", id=ids.ORDER_QTY_PLUS, color="secondary", outline=True, n_clicks=0),
        ],
        size="sm",
    )
    pct_buttons = dbc.ButtonGroup(
        [
            dbc.Button(f"{p}%", id=ids.order_pct(p), color="secondary", outline=True, size="sm", n_clicks=0)
            for p in PCTS
        ],
        className="w-100 mt-1",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(term(t("order.title"), "order_type", "panel"), className="fw-semibold mb-2"),
                side,
                html.Div(otype, className="mt-2"),
                dbc.Label(t("order.price"), html_for=ids.ORDER_PRICE, className="small mt-2 mb-0"),
                price_row,
                dbc.Label(t("order.qty"), html_for=ids.ORDER_QTY, className="small mt-2 mb-0"),
                qty_row,
                pct_buttons,
                html.Div(id=ids.ORDER_ORDERABLE, className="small text-body-secondary mt-1"),
                html.Div(id=ids.ORDER_ESTIMATE, className="mt-2 small"),
                dbc.Button(
                    t("order.submit_buy"),
                    id=ids.ORDER_SUBMIT,
                    color="danger",
                    className="w-100 mt-2 fw-bold",
                    n_clicks=0,
                    disabled=not can_trade,
                ),
                html.Div(
                    "" if can_trade else t("order.viewer"),
                    id=ids.ORDER_FEEDBACK,
                    className="small mt-2" if can_trade else "small mt-2 text-body-secondary",
                    role="alert",
                ),
                _confirm_dialog(),
                dcc.Store(id=ids.ORDER_PENDING),  # the order waiting for its confirmation (with its token)
                dcc.Store(id=ids.ORDER_RETRY),  # the last order whose outcome is not known yet
            ]
        ),
        className="order-panel h-100",
        id=ids.ORDER_PANEL,
    )


def _confirm_dialog() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("order.confirm_title"))),
            dbc.ModalBody(id=ids.ORDER_CONFIRM_BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(t("order.cancel"), id=ids.ORDER_CONFIRM_CANCEL, color="secondary", n_clicks=0),
                    dbc.Button(t("order.confirm_ok"), id=ids.ORDER_CONFIRM_OK, color="danger", n_clicks=0),
                ]
            ),
        ],
        id=ids.ORDER_CONFIRM,
        is_open=False,
        centered=True,
    )


# --- estimate and the ± / % buttons ---------------------------------------------------------------


def _market_price(code: str, side: str) -> int:
    """The price a market order is estimated at: the best opposite level, else the last price."""
    md = market_data()
    book = md.book(code)
    levels = book.asks if side == "buy" else book.bids
    return levels[0].price if levels else md.quote(code).price


ESTIMATE = dict(
    estimate=Output(ids.ORDER_ESTIMATE, "children"),
    orderable=Output(ids.ORDER_ORDERABLE, "children"),
    submit_label=Output(ids.ORDER_SUBMIT, "children"),
    submit_colour=Output(ids.ORDER_SUBMIT, "color"),
    price_disabled=Output(ids.ORDER_PRICE, "disabled"),
)


@callback(
    output=ESTIMATE,
    inputs=[
        Input(ids.ORDER_SIDE, "value"),
        Input(ids.ORDER_TYPE, "value"),
        Input(ids.ORDER_PRICE, "value"),
        Input(ids.ORDER_QTY, "value"),
        Input(ids.TRADE_ACCT, "data"),
    ],
    state=[State(ids.TRADE_CODE, "data")],
)
def _estimate(side: str, otype: str, price: Any, qty: Any, acct: dict | None, code: str) -> dict:
    meta = stock(code)
    acct = acct or {}
    rate = fee_rate()
    is_market = otype == "market"
    px = _market_price(code, side) if is_market else as_int(price)
    n = as_int(qty) or 0
    if side == "buy":
        max_q = max_buy_qty(acct.get("orderable", 0), px or 0, rate)
        avail = t("order.orderable", amount=f"{acct.get('orderable', 0):,}", qty=f"{max_q:,}")
    else:
        avail = t("order.sellable", qty=f"{acct.get('sellable', 0):,}")
    panel = {
        "orderable": avail,
        "submit_label": t("order.submit_buy") if side == "buy" else t("order.submit_sell"),
        "submit_colour": "danger" if side == "buy" else "primary",
        "price_disabled": is_market,
    }
    if not px or px <= 0 or n < 0 or meta is None:
        return reply(ESTIMATE, estimate="", **panel)
    e = estimate(side, px, n, meta.market, rate, etf=meta.is_etf)
    rows = [
        (t("order.amount"), e.amount),
        (term(t("order.commission"), "costs", "est"), e.commission),
    ]
    if side == "sell":
        rows.append((t("order.tax"), e.tax))
    rows.append((t("order.total_buy") if side == "buy" else t("order.total_sell"), e.total))
    last = len(rows) - 1
    body = [
        html.Div(
            [html.Span(label), html.Span(f"{v:,}", className="num float-end")],
            className="clearfix fw-semibold border-top" if k == last else "clearfix",
            id=ids.ORDER_TOTAL if k == last else ids.order_estimate_row(k),
        )
        for k, (label, v) in enumerate(rows)
    ]
    if is_market:
        body.append(html.Div(t("order.market_est", price=f"{px:,}"), className="text-body-secondary"))
    return reply(ESTIMATE, estimate=body, **panel)


ADJUST = dict(price=Output(ids.ORDER_PRICE, "value"), qty=Output(ids.ORDER_QTY, "value"))


@callback(
    output=ADJUST,
    inputs=[
        Input(ids.ORDER_PRICE_UP, "n_clicks"),
        Input(ids.ORDER_PRICE_DOWN, "n_clicks"),
        Input(ids.ORDER_QTY_MINUS, "n_clicks"),
        Input(ids.ORDER_QTY_PLUS, "n_clicks"),
        Input(ids.order_pct(ALL), "n_clicks"),
    ],
    state=[
        State(ids.ORDER_PRICE, "value"),
        State(ids.ORDER_QTY, "value"),
        State(ids.ORDER_SIDE, "value"),
        State(ids.ORDER_TYPE, "value"),
        State(ids.TRADE_ACCT, "data"),
        State(ids.TRADE_CODE, "data"),
    ],
    prevent_initial_call=True,
)
def _adjust(_u, _d, _m, _p, _pcts, price: Any, qty: Any, side: str, otype: str, acct: dict | None, code: str):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    meta = stock(code)
    q = market_data().quote(code)
    px = as_int(price) or q.price
    n = as_int(qty) or 0
    if trig in (ids.ORDER_PRICE_UP, ids.ORDER_PRICE_DOWN):
        px = round_to_tick(px, "nearest", market=meta.market, etf=meta.is_etf)
        px = move_ticks(px, 1 if trig == ids.ORDER_PRICE_UP else -1, market=meta.market, etf=meta.is_etf)
        return reply(ADJUST, price=min(max(px, q.lower_limit), q.upper_limit))
    if trig == ids.ORDER_QTY_MINUS:
        return reply(ADJUST, qty=max(0, n - 1))
    if trig == ids.ORDER_QTY_PLUS:
        return reply(ADJUST, qty=n + 1)
    if isinstance(trig, dict) and trig.get("type") == ids.ORDER_PCT_TYPE:
        acct = acct or {}
        if side == "buy":
            base_px = _market_price(code, side) if otype == "market" else px
            base = max_buy_qty(acct.get("orderable", 0), base_px, fee_rate())
        else:
            base = acct.get("sellable", 0)
        return reply(ADJUST, qty=pct_qty(base, int(trig["pct"])))
    raise PreventUpdate


# --- 주문 ------------------------------------------------------------------------------------------


def _request(side: str, otype: str, price: Any, qty: Any, code: str, cid: str) -> OrderRequest:
    """The order as typed; quantity and price problems are refused here with the broker's reasons."""
    n = as_int(qty)
    if n is None or n < 1:
        raise OrderRejected(Reason.BAD_QTY)
    px = None
    if otype == "limit":
        px = as_int(price)
        if px is None or px <= 0:
            raise OrderRejected(Reason.BAD_PRICE)
    return OrderRequest(code, Side(side), n, OrderType(otype), px, cid)


def _req_dict(r: OrderRequest) -> dict:
    return {"code": r.code, "side": r.side.value, "qty": r.qty, "type": r.order_type.value, "price": r.price,
            "cid": r.client_order_id}  # fmt: skip


def _describe(r: OrderRequest, amount: int) -> str:
    price = f"{r.price:,}" if r.price is not None else t("order.at_market")
    return t(
        "order.confirm_body",
        name=name_of(r.code),
        side=side_text(r.side),
        type=type_text(r.order_type),
        price=price,
        qty=f"{r.qty:,}",
        amount=f"{amount:,}",
    )


class Outcome(NamedTuple):
    """What sending an order came to: the order (when accepted), the panel's feedback, a toast, and the
    new ``order-retry`` (the order when its outcome is not known or it was never sent, else None)."""

    order: Order | None
    text: str
    css: str
    toast: Any
    retry: dict | None


def _place(r: OrderRequest, token: str | None = None) -> Outcome:
    """Send ``r`` through the gateway.

    An unknown outcome ("결과 확인 중") keeps the client id in the retry store: the slow refresh asks the
    gateway about it, and pressing 주문 again with the same order reuses the id, so it cannot become a
    second order."""
    try:
        order = gateway().place(r, order_context(token))
    except OrderPending:
        text = t("order.pending")
        retry = {"cid": r.client_order_id, "req": _req_dict(r)}
        return Outcome(
            None,
            text,
            "small mt-2 text-warning",
            toast(t("order.pending_title"), text, "warning", 8000),
            retry,
        )
    except OrderRejected as err:
        msg = message(err)
        return Outcome(
            None, msg, "small mt-2 text-danger", toast(t("order.rejected"), msg, "danger", 8000), None
        )
    except BrokerError as err:  # never sent (or not known): the same id is reused for the next attempt
        msg = message(err)
        retry = {"cid": r.client_order_id, "req": _req_dict(r)}
        return Outcome(
            None, msg, "small mt-2 text-danger", toast(t("order.failed"), msg, "danger", 8000), retry
        )
    price = f"{order.price:,}" if order.price is not None else t("order.at_market")
    text = t("order.placed", side=side_text(order.side), qty=f"{order.qty:,}", price=price)
    return Outcome(order, text, "small mt-2 text-success", toast(t("order.title"), text, "info", 4000), None)


def _client_id(r: OrderRequest, nonce: str, n: int, retry: dict | None) -> str:
    """The id of this press of 주문: the unsettled previous attempt's when it is the same order."""
    if retry and retry.get("cid") and retry.get("req", {}) | {"cid": None} == _req_dict(r) | {"cid": None}:
        return str(retry["cid"])
    return f"{nonce}-{n}"


ORDER = dict(
    confirm_open=Output(ids.ORDER_CONFIRM, "is_open"),
    confirm_body=Output(ids.ORDER_CONFIRM_BODY, "children"),
    pending=Output(ids.ORDER_PENDING, "data"),
    feedback=Output(ids.ORDER_FEEDBACK, "children"),
    feedback_class=Output(ids.ORDER_FEEDBACK, "className"),
    toasts=Output(ids.TRADE_TOASTS, "children", allow_duplicate=True),
    open_orders=Output(ids.TRADE_OPEN_ORDERS, "children", allow_duplicate=True),
    fills=Output(ids.TRADE_FILLS, "children", allow_duplicate=True),
    position=Output(ids.TRADE_POSITION, "children", allow_duplicate=True),
    acct=Output(ids.TRADE_ACCT, "data", allow_duplicate=True),
    retry=Output(ids.ORDER_RETRY, "data"),
)


@callback(
    output=ORDER,
    inputs=[
        Input(ids.ORDER_SUBMIT, "n_clicks"),
        Input(ids.ORDER_CONFIRM_OK, "n_clicks"),
        Input(ids.ORDER_CONFIRM_CANCEL, "n_clicks"),
    ],
    state=[
        State(ids.ORDER_SIDE, "value"),
        State(ids.ORDER_TYPE, "value"),
        State(ids.ORDER_PRICE, "value"),
        State(ids.ORDER_QTY, "value"),
        State(ids.TRADE_CODE, "data"),
        State(ids.TRADE_NONCE, "data"),
        State(ids.ORDER_PENDING, "data"),
        State(ids.TRADE_ACCT, "data"),
        State(ids.ORDER_RETRY, "data"),
    ],
    running=[(Output(ids.ORDER_SUBMIT, "disabled"), True, False)],
    prevent_initial_call=True,
)
def _order(n_submit, _ok, _cancel, side, otype, price, qty, code, nonce, pending, acct, retry):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    closed = {"confirm_open": False, "pending": None}
    if trig == ids.ORDER_CONFIRM_CANCEL:
        return reply(ORDER, **closed, feedback="", feedback_class="small mt-2")
    token = None
    if trig == ids.ORDER_CONFIRM_OK:
        if not pending:
            raise PreventUpdate
        r = OrderRequest(pending["code"], Side(pending["side"]), pending["qty"], OrderType(pending["type"]),
                         pending["price"], pending["cid"])  # fmt: skip
        token = pending.get("token")
    else:
        if not n_submit:
            raise PreventUpdate
        try:
            r = _request(side, otype, price, qty, code, "x")
            r = _request(side, otype, price, qty, code, _client_id(r, nonce, n_submit, retry))
            preview = gateway().prepare(r, order_context())
        except BrokerError as err:
            msg = message(err)
            title = t("order.rejected") if isinstance(err, OrderRejected) else t("order.failed")
            return reply(
                ORDER,
                **closed,
                feedback=msg,
                feedback_class="small mt-2 text-danger",
                toasts=add_toasts(toast(title, msg, "danger", 8000)),
            )
        if preview.confirm:
            notes = []
            if "live" in preview.confirm:
                notes.append(html.Div(t("order.confirm_live"), className="text-danger fw-bold"))
            if "large" in preview.confirm:
                limit = runtime().settings.order_confirm_amount
                notes.append(html.Div(t("order.confirm_big", limit=f"{limit:,}")))
            body = [
                *notes,
                html.Div(
                    _describe(r, preview.amount), className="mt-2 fw-semibold", id=ids.ORDER_CONFIRM_TEXT
                ),
            ]
            return reply(
                ORDER,
                confirm_open=True,
                confirm_body=body,
                pending=_req_dict(r) | {"token": preview.token},
                feedback="",
                feedback_class="small mt-2",
            )
    out = _place(r, token)
    panel = reply(
        ORDER,
        **closed,
        feedback=out.text,
        feedback_class=out.css,
        toasts=add_toasts(out.toast),
        retry=out.retry,
    )
    try:
        view = account_view(code)
    except BrokerError:
        return panel
    # Only what changed goes back (a smaller response to apply); fills of this order are toasted by the
    # 1 s refresh, which compares against the old ids.
    old = acct or {}
    new_acct = view.acct | {"fill_ids": old.get("fill_ids", [])}
    return panel | {
        "open_orders": no_update if old.get("oo_sig") == view.acct["oo_sig"] else view.open_orders,
        "fills": no_update if len(old.get("fill_ids", [])) == len(view.acct["fill_ids"]) else view.fills,
        "position": no_update if old.get("pos_sig") == view.acct["pos_sig"] else view.position,
        "acct": new_acct,
    }
