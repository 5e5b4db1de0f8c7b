"""Find the order a lost response belonged to, among the day's orders — never re-send it.

Match on code, side, quantity, order type and price (limit orders), created inside the submit
time window; the account is implied (each adapter lists its own account's orders only). An order
number, when the broker returned one, wins over everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from trading.brokers.errors import BrokerUnavailable
from trading.domain import Order, OrderRequest, OrderType


class OrderOutcomeUnknown(BrokerUnavailable):
    """An order was sent, its answer was lost and reconciliation could not find it.

    Do not re-send it: ``request`` and ``sent_at`` let a later ``reconcile_order()`` find it.
    """

    def __init__(self, request: OrderRequest, sent_at: datetime, detail: str = ""):
        self.request = request
        self.sent_at = sent_at
        super().__init__(
            "order outcome unknown: the broker did not answer and the order is not in today's "
            f"orders yet; do not re-send, reconcile later{': ' + detail if detail else ''}",
            "주문 결과를 알 수 없습니다: 증권사 응답이 없고 당일 주문내역에서 찾지 못했습니다. "
            "재주문하지 말고 잠시 후 주문내역을 확인하세요",
        )


def matches(order: Order, req: OrderRequest, sent_at: datetime, window_s: float, skew_s: float) -> bool:
    """True when ``order`` looks like ``req`` submitted at ``sent_at``."""
    if order.code != req.code or order.side != req.side or order.qty != req.qty:
        return False
    if order.order_type != req.order_type:
        return False
    if req.order_type == OrderType.LIMIT and order.price != req.price:
        return False
    if order.created_at is None:
        return False
    return sent_at - timedelta(seconds=skew_s) <= order.created_at <= sent_at + timedelta(seconds=window_s)


def find_order(
    orders: list[Order],
    req: OrderRequest,
    sent_at: datetime,
    *,
    order_id: str | None = None,
    exclude: Collection[str] = (),
    window_s: float = 60.0,
    skew_s: float = 5.0,
) -> Order | None:
    """The order of ``orders`` that ``req`` created: by ``order_id`` if known, else the earliest
    unclaimed match (``exclude`` = order ids already handed out by this adapter)."""
    if order_id:
        return next((o for o in orders if o.order_id.lstrip("0") == order_id.lstrip("0")), None)
    candidates = [
        o for o in orders if o.order_id not in exclude and matches(o, req, sent_at, window_s, skew_s)
    ]
    candidates.sort(key=lambda o: (abs((o.created_at - sent_at).total_seconds()), o.order_id))  # type: ignore[operator]
    return candidates[0] if candidates else None


def reconcile(
    list_orders: Callable[[], list[Order]],
    req: OrderRequest,
    sent_at: datetime,
    *,
    order_id: str | None = None,
    exclude: Collection[str] = (),
    attempts: int = 3,
    delay_s: float = 0.5,
    window_s: float = 60.0,
    skew_s: float = 5.0,
    sleep: Callable[[float], None] | None = None,
) -> Order:
    """Query the day's orders until the lost order shows up; ``OrderOutcomeUnknown`` otherwise."""
    import time

    pause = sleep or time.sleep
    last_error: Exception | None = None
    for attempt in range(attempts):
        if attempt:
            pause(delay_s)
        try:
            found = find_order(
                list_orders(),
                req,
                sent_at,
                order_id=order_id,
                exclude=exclude,
                window_s=window_s,
                skew_s=skew_s,
            )
        except BrokerUnavailable as err:
            last_error = err
            continue
        if found is not None:
            if req.client_order_id and not found.client_order_id:
                found.client_order_id = req.client_order_id
            return found
    raise OrderOutcomeUnknown(req, sent_at, str(last_error) if last_error else "")
