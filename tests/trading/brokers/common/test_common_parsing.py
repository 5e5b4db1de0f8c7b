"""Defensive value parsing, reconciliation matching and bar aggregation."""

from __future__ import annotations

from datetime import datetime, timedelta

from trading.brokers.common.bars import aggregate
from trading.brokers.common.reconcile import find_order
from trading.brokers.common.values import parse_ymdhms, strip_code, to_int, to_price
from trading.domain import KST, Bar, Order, OrderRequest, OrderType, Side


def test_numbers_arrive_as_strings():
    assert to_int("+70,000") == 70000
    assert to_int("-152000") == -152000
    assert to_price("-152000") == 152000
    assert to_int("000000000124500") == 124500
    assert to_int("") == 0 and to_int(None, 7) == 7 and to_int("12.5") == 12 and to_int("abc") == 0


def test_codes_and_times():
    assert strip_code("A005930") == "005930" and strip_code("005930_NX") == "005930"
    assert parse_ymdhms("20250102093001") == datetime(2025, 1, 2, 9, 30, 1, tzinfo=KST)
    assert parse_ymdhms("") is None


def _order(oid: str, at: datetime, **kw) -> Order:
    base = {"code": "005930", "side": Side.BUY, "order_type": OrderType.LIMIT, "price": 65000, "qty": 7}
    return Order(order_id=oid, created_at=at, **(base | kw))


def test_find_order_matches_the_request_in_the_window():
    sent = datetime(2025, 1, 2, 10, 0, 0, 500000, tzinfo=KST)
    req = OrderRequest("005930", Side.BUY, 7, OrderType.LIMIT, 65000)
    orders = [
        _order("1", sent - timedelta(minutes=5)),  # too old
        _order("2", sent.replace(microsecond=0), price=66000),  # other price
        _order("3", sent.replace(microsecond=0)),  # the one
        _order("4", sent.replace(microsecond=0), side=Side.SELL),
    ]
    assert find_order(orders, req, sent).order_id == "3"
    assert find_order(orders, req, sent, exclude={"3"}) is None
    assert find_order(orders, req, sent, order_id="0003").order_id == "3"


def test_aggregate_minutes():
    t0 = datetime(2025, 1, 2, 9, 0, tzinfo=KST)
    bars = [
        Bar("005930", t0 + timedelta(minutes=i), 100 + i, 110 + i, 90 + i, 105 + i, 10) for i in range(10)
    ]
    five = aggregate(bars, 5)
    assert [b.time.minute for b in five] == [0, 5]
    assert (five[0].open, five[0].high, five[0].low, five[0].close, five[0].volume) == (100, 114, 90, 109, 50)
