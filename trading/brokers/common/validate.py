"""Order checks every adapter makes before anything goes to the broker."""

from __future__ import annotations

from trading.brokers.errors import OrderRejected, Reason
from trading.domain import OrderRequest, OrderType, is_valid_code


def check_code(code: str) -> None:
    if not is_valid_code(code):
        raise OrderRejected(Reason.UNKNOWN_CODE, code)


def check_request(req: OrderRequest) -> None:
    check_code(req.code)
    if not isinstance(req.qty, int) or req.qty < 1:
        raise OrderRejected(Reason.BAD_QTY, str(req.qty))
    if req.order_type == OrderType.LIMIT and (req.price is None or req.price <= 0):
        raise OrderRejected(Reason.BAD_PRICE, str(req.price))
