"""Order checks every adapter makes before anything goes to the broker (the gateway has checked the
same and more; these keep a direct call from sending garbage: ``True`` is not a quantity, ``70000.5``
is not a price, ``"005930\\n"`` is not a code)."""

from __future__ import annotations

from numbers import Integral

from trading.brokers.errors import OrderRejected, Reason
from trading.domain import OrderRequest, OrderType, is_valid_code


def _whole(x: object) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def check_code(code: str) -> None:
    if not is_valid_code(code):
        raise OrderRejected(Reason.UNKNOWN_CODE, repr(code)[:40])


def check_qty(qty: object) -> None:
    if not _whole(qty) or int(qty) < 1:  # type: ignore[call-overload]
        raise OrderRejected(Reason.BAD_QTY, repr(qty)[:40])


def check_price(price: object) -> None:
    if not _whole(price) or int(price) <= 0:  # type: ignore[call-overload]
        raise OrderRejected(Reason.BAD_PRICE, repr(price)[:40])


def check_request(req: OrderRequest) -> None:
    check_code(req.code)
    if str(getattr(req.side, "value", req.side)) not in ("buy", "sell"):
        raise OrderRejected(Reason.BAD_SIDE, repr(req.side)[:20])
    if str(getattr(req.order_type, "value", req.order_type)) not in ("limit", "market"):
        raise OrderRejected(Reason.BAD_ORDER_TYPE, repr(req.order_type)[:20])
    check_qty(req.qty)
    if req.order_type == OrderType.LIMIT:
        check_price(req.price)


def check_revision(price: object | None, qty: object | None) -> None:
    """A modify's new price and/or total quantity, or a cancel's quantity."""
    if price is not None:
        check_price(price)
    if qty is not None:
        check_qty(qty)
