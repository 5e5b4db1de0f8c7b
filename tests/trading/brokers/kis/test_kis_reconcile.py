"""A lost order answer is reconciled from the day's orders, never re-sent."""

from __future__ import annotations

import pytest

from trading.brokers import BrokerUnavailable
from trading.brokers.common.reconcile import OrderOutcomeUnknown
from trading.domain import OrderRequest, OrderType, Side


def test_dropped_order_response_is_reconciled_not_duplicated(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    fake_kis.drop_order_response_next = 1
    req = OrderRequest("005930", Side.BUY, 7, OrderType.LIMIT, 65000, client_order_id="lost-1")
    order = broker.place_order(req)
    assert fake_kis.order_posts == 1
    assert len(fake_kis.orders) == 1
    assert order.order_id == fake_kis.orders[0].odno
    assert (order.code, order.side, order.qty, order.price) == ("005930", Side.BUY, 7, 65000)
    assert order.client_order_id == "lost-1"
    assert broker.place_order(req) is order  # same client id: no second order
    assert fake_kis.order_posts == 1


def test_reconciliation_ignores_older_identical_orders(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    first = broker.place_order(OrderRequest("005930", Side.BUY, 7, OrderType.LIMIT, 65000))
    fake_kis.drop_order_response_next = 1
    second = broker.place_order(OrderRequest("005930", Side.BUY, 7, OrderType.LIMIT, 65000))
    assert second.order_id != first.order_id
    assert fake_kis.order_posts == 2


def test_order_that_never_arrived_is_outcome_unknown(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50, reconcile_attempts=2)
    fake_kis.drop_order_response_next = 1
    original = fake_kis.orders
    fake_kis.orders = _Vanishing()  # the order is dropped before it is recorded
    with pytest.raises(BrokerUnavailable) as err:
        broker.place_order(OrderRequest("005930", Side.SELL, 1, OrderType.LIMIT, 75000, "gone-1"))
    fake_kis.orders = original
    assert isinstance(err.value, OrderOutcomeUnknown)
    assert "outcome unknown" in str(err.value)
    assert fake_kis.order_posts == 1


class _Vanishing(list):
    def append(self, item) -> None:  # noqa: D401 - the fake "loses" the order
        return None
