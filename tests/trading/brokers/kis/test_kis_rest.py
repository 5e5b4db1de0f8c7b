"""KIS REST adapter against the fake KIS server: quotations, orders, account, errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trading.brokers import AuthError, Broker, OrderRejected, RateLimited, Reason
from trading.domain import OrderRequest, OrderStatus, OrderType, Side


def test_is_a_broker_named_kis(make_kis):
    broker = make_kis()
    assert isinstance(broker, Broker)
    assert broker.name == "kis"
    assert broker.is_live is False


def test_quote_returns_the_fake_price(make_kis, fake_kis):
    quote = make_kis().quote("005930")
    assert quote.price == 70000
    assert quote.prev_close == 69500
    assert quote.value == fake_kis.volume("005930") * 70000
    assert quote.upper_limit > quote.price > quote.lower_limit


def test_unknown_code_is_rejected(make_kis):
    with pytest.raises(OrderRejected) as err:
        make_kis().quote("999999")
    assert err.value.reason == Reason.UNKNOWN_CODE


def test_order_book_has_ten_levels_best_first(make_kis):
    book = make_kis().order_book("005930")
    assert len(book.asks) == len(book.bids) == 10
    assert book.asks[0].price == 70100 and book.bids[0].price == 70000
    assert book.asks[0].price < book.asks[1].price and book.bids[0].price > book.bids[1].price


def test_daily_bars_page_back_and_come_oldest_first(make_kis, fake_kis):
    end = date(2025, 6, 30)
    start = end - timedelta(days=200)
    bars = make_kis(rate_per_s=50).daily_bars("005930", start, end)
    assert bars[0].time.date() >= start and bars[-1].time.date() == end
    assert [b.time for b in bars] == sorted({b.time for b in bars})
    assert len(bars) > 100  # needed a second page


def test_minute_bars_of_a_past_session_page_and_aggregate(make_kis):
    """A past day uses inquire-time-dailychartprice (120 rows a call, paged back to 09:00)."""
    from trading.brokers.common.values import now_kst
    from trading.krx import prev_krx_session

    broker = make_kis(rate_per_s=50)
    day = prev_krx_session(now_kst().date())
    one = broker.minute_bars("005930", day, 1)
    five = broker.minute_bars("005930", day, 5)
    assert len(one) == 391  # 09:00..15:30, every minute, over four pages
    assert {b.time.date() for b in one} == {day}
    assert one[0].time.strftime("%H:%M") == "09:00" and one[-1].time.strftime("%H:%M") == "15:30"
    assert all(b.time.minute % 5 == 0 for b in five)
    assert sum(b.volume for b in five) == sum(b.volume for b in one)


def test_ranking_sorts_by_trading_value(make_kis):
    rows = make_kis(rate_per_s=50).ranking(limit=3)
    assert [r.rank for r in rows] == [1, 2, 3]
    assert rows[0].value >= rows[1].value >= rows[2].value
    assert rows[0].prev_close == rows[0].price + 100


def test_buy_limit_order_then_cancel(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    order = broker.place_order(OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 60000, "c-1"))
    assert order.status == OrderStatus.OPEN and order.order_id
    assert broker.place_order(OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 60000, "c-1")) is order
    assert fake_kis.order_posts == 1
    assert [o.order_id for o in broker.open_orders()] == [order.order_id]
    cancelled = broker.cancel_order(order.order_id)
    assert cancelled.status == OrderStatus.CANCELLED
    assert broker.open_orders() == []
    status = {o.order_id: o.status for o in broker.orders()}
    assert status[order.order_id] == OrderStatus.CANCELLED


def test_modify_price_gives_the_new_order(make_kis):
    broker = make_kis(rate_per_s=50)
    order = broker.place_order(OrderRequest("005930", Side.BUY, 5, OrderType.LIMIT, 60000))
    modified = broker.modify_order(order.order_id, price=61000, qty=4)
    assert modified.price == 61000 and modified.qty == 4 and modified.order_id != order.order_id
    with pytest.raises(OrderRejected) as err:
        broker.modify_order(modified.order_id, price=61000)
    assert err.value.reason == Reason.NO_CHANGE


def test_market_order_fills_and_shows_in_fills(make_kis):
    broker = make_kis(rate_per_s=50)
    order = broker.place_order(OrderRequest("000660", Side.BUY, 2, OrderType.MARKET))
    assert order.price is None
    fills = broker.fills()
    assert [(f.order_id, f.qty, f.price) for f in fills] == [(order.order_id, 2, 180000)]
    assert {o.order_id: o.status for o in broker.orders()}[order.order_id] == OrderStatus.FILLED


def test_broker_refusal_keeps_the_message(make_kis):
    with pytest.raises(OrderRejected) as err:
        make_kis().place_order(OrderRequest("005930", Side.BUY, 10_000, OrderType.LIMIT, 70000))
    assert err.value.reason == Reason.INSUFFICIENT_CASH  # typed from the message; the text is kept
    assert "주문가능금액" in err.value.broker_message and "APBK0952" in err.value.broker_message


def test_orders_page_through_the_mock_15_row_limit(make_kis):
    broker = make_kis(rate_per_s=100)
    ids = {
        broker.place_order(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, 60000 + i * 100)).order_id
        for i in range(20)
    }
    assert {o.order_id for o in broker.orders()} == ids


def test_balance_skips_sold_out_rows_and_uses_orderable_cash(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    broker.place_order(OrderRequest("005930", Side.BUY, 10, OrderType.LIMIT, 60000))
    balance = broker.balance()
    assert balance.cash == 50_000_000
    assert balance.orderable == 50_000_000 - 600_000
    assert [(p.code, p.qty, p.cost, p.price) for p in balance.positions] == [("005930", 10, 650_000, 70000)]
    assert broker.orderable("005930", 70000).max_qty == (50_000_000 - 600_000) // 70000


def test_mock_key_on_the_wrong_environment_names_it(make_kis):
    broker = make_kis({"kis_app_key": "real-key", "kis_app_secret": "real-secret"})
    with pytest.raises(AuthError) as err:
        broker.quote("005930")
    assert "mock (모의투자)" in str(err.value) and "EGW02004" in err.value.broker_message


def test_bad_secret_is_an_auth_error(make_kis):
    with pytest.raises(AuthError):
        make_kis({"kis_app_secret": "wrong"}).quote("005930")


def test_rate_limit_answers_back_off_then_succeed(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    fake_kis.rate_limit_next = 2
    assert broker.quote("005930").price == 70000
    fake_kis.http429_next = 2
    assert broker.quote("005930").price == 70000
    assert len(fake_kis.calls) == 6  # 2 refused + 1, 2 refused + 1


def test_rate_limit_that_never_clears_is_rate_limited(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50, rate_limit_retries=2)
    fake_kis.rate_limit_next = 10
    with pytest.raises(RateLimited) as err:
        broker.quote("005930")
    assert "EGW00201" in err.value.broker_message


def test_rate_limited_order_is_retried_once_accepted(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    fake_kis.rate_limit_next = 1
    order = broker.place_order(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, 60000))
    assert fake_kis.order_posts == 1 and order.order_id


def test_http_200_error_bodies_are_errors_too(make_kis, fake_kis):
    broker = make_kis(rate_per_s=50)
    fake_kis.error_status = 200
    fake_kis.rate_limit_next = 1
    assert broker.quote("005930").price == 70000
