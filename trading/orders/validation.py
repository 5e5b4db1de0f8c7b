"""주문 착오방지: the checks every order, modify and cancel passes before anything is written or sent.

Strict on types: a quantity is an ``int`` (not ``True``, not ``1.5``), a price an ``int`` on the KRX
tick grid inside the day's limits, a code exactly six characters (``"005930\\n"`` is not a code).
Nothing is coerced: a bad value is a typed ``OrderRejected`` and changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from numbers import Integral
from typing import Protocol

from trading.brokers.errors import MarketClosed, OrderRejected, Reason
from trading.domain import Market, Order, OrderRequest, OrderType, Side, is_valid_code
from trading.krx import Phase, is_on_tick
from trading.orders.commands import Cancel, Modify

OPEN_PHASES = frozenset({Phase.PRE_OPEN_AUCTION, Phase.CONTINUOUS, Phase.CLOSING_AUCTION})
MAX_SANE_QTY = 10**9  # beyond any listed share count: a typo, whatever the account limits say
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9._:\-]{1,64}")


class MarketRules(Protocol):
    """What validation needs to know about the market an account trades on."""

    def market_of(self, code: str) -> Market | None: ...  # None: not a listed code
    def is_etf(self, code: str) -> bool: ...
    def limits(self, code: str) -> tuple[int, int] | None: ...  # (upper, lower); None: no quote
    def last_price(self, code: str) -> int | None: ...
    def now(self) -> datetime: ...
    def phase(self) -> Phase: ...


def is_int(x: object) -> bool:
    """A whole number that is not a bool (numpy integers included)."""
    return isinstance(x, Integral) and not isinstance(x, bool)


def check_client_id(cid: object) -> None:
    if cid is not None and (not isinstance(cid, str) or CLIENT_ID_RE.fullmatch(cid) is None):
        raise OrderRejected(Reason.BAD_CLIENT_ID, repr(cid)[:80])


def check_code(code: object, rules: MarketRules) -> str:
    if not isinstance(code, str) or not is_valid_code(code) or rules.market_of(code) is None:
        raise OrderRejected(Reason.UNKNOWN_CODE, repr(code)[:40])
    return code


def check_qty(qty: object) -> int:
    if not is_int(qty) or not 1 <= int(qty) <= MAX_SANE_QTY:  # type: ignore[call-overload]
        raise OrderRejected(Reason.BAD_QTY, repr(qty)[:40])
    return int(qty)  # type: ignore[call-overload]


def check_price(code: str, price: object, rules: MarketRules) -> int:
    """A limit price: an int > 0, on the tick grid of its band, inside the day's limits."""
    if not is_int(price) or int(price) <= 0:  # type: ignore[call-overload]
        raise OrderRejected(Reason.BAD_PRICE, repr(price)[:40])
    p = int(price)  # type: ignore[call-overload]
    market = rules.market_of(code) or Market.KOSPI
    if not is_on_tick(p, rules.now().date(), market, rules.is_etf(code)):
        raise OrderRejected(Reason.OFF_TICK, f"{p:,}")
    limits = rules.limits(code)
    if limits is None:
        raise OrderRejected(Reason.NO_QUOTE, code)
    upper, lower = limits
    if not lower <= p <= upper:
        raise OrderRejected(Reason.OUT_OF_LIMITS, f"{p:,} not in {lower:,}..{upper:,}")
    return p


def check_open(rules: MarketRules) -> None:
    phase = rules.phase()
    if phase not in OPEN_PHASES:
        raise MarketClosed(str(phase))


def validate_place(req: OrderRequest, rules: MarketRules) -> OrderRequest:
    """The request with its enums typed; ``OrderRejected`` on the first bad field."""
    check_client_id(req.client_order_id)
    code = check_code(req.code, rules)
    try:
        side = Side(req.side)
    except ValueError:
        raise OrderRejected(Reason.BAD_SIDE, repr(req.side)[:20]) from None
    try:
        otype = OrderType(req.order_type)
    except ValueError:
        raise OrderRejected(Reason.BAD_ORDER_TYPE, repr(req.order_type)[:20]) from None
    qty = check_qty(req.qty)
    price = check_price(code, req.price, rules) if otype is OrderType.LIMIT else None
    check_open(rules)
    return OrderRequest(code, side, qty, otype, price, req.client_order_id)


def _revisable(cmd: Modify | Cancel, order: Order | None) -> Order:
    """The order a modify or cancel is about: it exists and is still open."""
    check_client_id(cmd.client_order_id)
    if order is None:
        raise OrderRejected(Reason.ORDER_NOT_FOUND, str(cmd.order_id)[:40])
    if not order.status.is_active:
        raise OrderRejected(Reason.NOT_ACTIVE, f"{order.order_id} is {order.status}")
    return order


def validate_modify(cmd: Modify, order: Order | None, rules: MarketRules) -> Modify:
    """A modify of ``order`` (as the broker has it now): new price on the grid, new total above the filled."""
    order = _revisable(cmd, order)
    price = cmd.price
    if price is not None:
        if order.order_type is OrderType.MARKET:
            raise OrderRejected(Reason.BAD_PRICE, "a market order has no price")
        price = check_price(order.code, price, rules)
    qty = cmd.qty
    if qty is not None:
        qty = check_qty(qty)
        if qty <= order.filled_qty:
            raise OrderRejected(Reason.BAD_QTY, f"{qty} (filled {order.filled_qty})")
    if (price is None or price == order.price) and (qty is None or qty == order.qty):
        raise OrderRejected(Reason.NO_CHANGE, order.order_id)
    check_open(rules)
    return Modify(order.order_id, price, qty, cmd.client_order_id)


def validate_cancel(cmd: Cancel, order: Order | None) -> Cancel:
    """A cancel of ``qty`` shares (None = all) of ``order``'s remainder; allowed in any phase."""
    order = _revisable(cmd, order)
    qty = cmd.qty
    if qty is not None:
        qty = check_qty(qty)
        if qty > order.remaining_qty:
            raise OrderRejected(Reason.BAD_QTY, f"{qty} (remaining {order.remaining_qty})")
    return Cancel(order.order_id, qty, cmd.client_order_id)


def order_amount(req: OrderRequest, rules: MarketRules) -> int:
    """Won the order is for: limit price × qty; a market order at the last price (0 when unknown)."""
    price = req.price if req.price is not None else (rules.last_price(req.code) or 0)
    return price * req.qty
