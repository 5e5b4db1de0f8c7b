"""Orders: list, place (or ``dry_run``), modify, cancel — all through the same order gateway and risk
chain as the trade page (``OrderContext`` entry ``api``).

Idempotency: the client order id of an order, modify or cancel is derived from the user and the
``Idempotency-Key``, so a replayed key reaches the gateway's journal and returns the same order (never
a second one); a key reused for a different command is refused (``IDEMPOTENCY_MISMATCH``). A dry run
with the key gets the confirmation token (live or large orders) that the order with the same key needs.
"""

from __future__ import annotations

import hashlib

from app.api.account import order_context, reader
from app.api.endpoint import Answer, Call, Endpoint, api
from app.api.problems import ApiProblem
from app.api.schemas import (
    CancelIn,
    DryRunQuery,
    ModifyIn,
    OrderIn,
    OrderOut,
    OrdersQuery,
    PendingOut,
    Problem,
    VerdictOut,
)
from app.components.data import fee_rate, market_data, stock
from app.runtime import runtime
from db.repositories.api_tokens import TokenUser
from trading.brokers.errors import OrderPending, OrderRejected, Reason
from trading.domain import Order, OrderRequest, OrderType, Side
from trading.order_estimate import estimate
from trading.orders.commands import Cancel, Command, Modify

ORDER_ID = {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,40}$"}


def client_id(user: TokenUser, key: str | None) -> str | None:
    """The gateway's client order id for (user, Idempotency-Key); None without a key (a fresh id)."""
    if key is None:
        return None
    return "api-" + hashlib.sha256(f"{user.user_id}\n{key}".encode()).hexdigest()[:40]


def order_out(o: Order) -> OrderOut:
    return OrderOut(
        order_id=o.order_id, client_order_id=o.client_order_id, code=o.code,
        side=str(getattr(o.side, "value", o.side)), type=str(getattr(o.order_type, "value", o.order_type)),
        price=o.price, qty=o.qty, filled_qty=o.filled_qty, filled_amount=o.filled_amount,
        remaining_qty=o.remaining_qty, status=str(getattr(o.status, "value", o.status)),
        created_at=o.created_at, updated_at=o.updated_at, reject_message=o.reject_message,
    )  # fmt: skip


def _send(call: Call, cmd: Command, token: str | None) -> OrderOut | Answer:
    """Run ``cmd`` through the gateway; an unknown outcome is 202 (ask again with the same key)."""
    gw, ctx = runtime().gateway(), order_context(call.user, token)
    try:
        if isinstance(cmd, OrderRequest):
            order = gw.place(cmd, ctx)
        elif isinstance(cmd, Modify):
            order = gw.modify(cmd, ctx)
        else:
            order = gw.cancel(cmd, ctx)
    except OrderPending as err:
        return Answer(
            202, PendingOut(status="pending", client_order_id=err.client_order_id, detail=err.message_en)
        )
    except OrderRejected as err:
        if err.reason is Reason.BAD_CLIENT_ID and call.idempotency_key is not None:
            raise ApiProblem("IDEMPOTENCY_MISMATCH") from None
        raise
    return order_out(order)


def _estimate_price(req: OrderRequest) -> int:
    if req.price is not None:
        return req.price
    md = market_data()
    book = md.book(req.code)
    levels = book.asks if req.side is Side.BUY else book.bids
    return levels[0].price if levels else md.quote(req.code).price


def _dry_run(call: Call, req: OrderRequest) -> VerdictOut:
    """The gateway's verdict (authorize, validate, risk; nothing is sent or journaled) with the costs."""
    try:
        preview = runtime().gateway().prepare(req, order_context(call.user))
    except OrderRejected as err:
        return VerdictOut(verdict="rejected", reason=err.reason.value, detail=err.message_en,
                          detail_ko=err.message_ko, client_order_id=req.client_order_id)  # fmt: skip
    meta = stock(req.code)
    price = _estimate_price(req)
    e = estimate(
        req.side, price, req.qty, meta.market if meta else "KOSPI", fee_rate(), etf=bool(meta and meta.is_etf)
    )
    return VerdictOut(
        verdict="accepted", client_order_id=preview.client_order_id, price=price, amount=e.amount,
        commission=e.commission, tax=e.tax, total=e.total, confirm=list(preview.confirm),
        confirm_token=preview.token,
    )  # fmt: skip


PLACE = Endpoint(
    "POST", "/orders", "Place an order (or check it with dry_run=true)", "orders", "trade", OrderOut,
    body=OrderIn, query=DryRunQuery, status=201, others={200: VerdictOut, 202: PendingOut},
    description="201: the order. dry_run=true: 200 with the gateway's verdict, fees and tax (nothing is "
    "sent). 202: the outcome is not known yet; repeat the request with the same Idempotency-Key. A live "
    "order, or one above ORDER_CONFIRM_AMOUNT, needs the confirm_token of a dry run made with the same "
    "Idempotency-Key (otherwise 428 CONFIRM_REQUIRED).",
)  # fmt: skip


@api(PLACE)
def place_order(call: Call) -> OrderOut | Answer:
    b: OrderIn = call.body
    if b.type == "limit" and b.price is None:
        raise OrderRejected(Reason.BAD_PRICE)
    price = b.price if b.type == "limit" else None
    req = OrderRequest(
        b.code, Side(b.side), b.qty, OrderType(b.type), price, client_id(call.user, call.idempotency_key)
    )
    if call.query.dry_run:
        return Answer(200, _dry_run(call, req))
    return _send(call, req, b.confirm_token)


@api(Endpoint("GET", "/orders", "Today's orders of the account", "orders", "read", list[OrderOut],
              query=OrdersQuery))  # fmt: skip
def list_orders(call: Call) -> list[OrderOut]:
    r = reader(call.user)
    orders = r.open_orders() if call.query.status == "open" else r.orders()
    return [order_out(o) for o in orders]


@api(Endpoint("GET", "/orders/<order_id>", "One of today's orders", "orders", "read", OrderOut,
              others={404: Problem}, path_params={"order_id": ORDER_ID}))  # fmt: skip
def get_order(call: Call, order_id: str) -> OrderOut:
    same = order_id.lstrip("0")
    found = next((o for o in reader(call.user).orders() if o.order_id.lstrip("0") == same), None)
    if found is None:
        raise OrderRejected(Reason.ORDER_NOT_FOUND, order_id)
    return order_out(found)


@api(Endpoint("POST", "/orders/<order_id>/modify", "Modify an open order (price and/or total quantity)",
              "orders", "trade", OrderOut, body=ModifyIn, others={202: PendingOut},
              path_params={"order_id": ORDER_ID}))  # fmt: skip
def modify_order(call: Call, order_id: str) -> OrderOut | Answer:
    b: ModifyIn = call.body
    cmd = Modify(order_id, b.price, b.qty, client_id(call.user, call.idempotency_key))
    return _send(call, cmd, b.confirm_token)


@api(Endpoint("POST", "/orders/<order_id>/cancel", "Cancel an open order (or part of its remainder)",
              "orders", "trade", OrderOut, body=CancelIn, others={202: PendingOut},
              path_params={"order_id": ORDER_ID}))  # fmt: skip
def cancel_order(call: Call, order_id: str) -> OrderOut | Answer:
    b: CancelIn = call.body
    return _send(call, Cancel(order_id, b.qty, client_id(call.user, call.idempotency_key)), None)
