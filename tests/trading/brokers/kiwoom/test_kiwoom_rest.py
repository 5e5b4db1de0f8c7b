"""Kiwoom REST adapter against the fake Kiwoom server: data, orders, account, HTTP-200 errors."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from trading.brokers import AuthError, Broker, OrderRejected, RateLimited, Reason
from trading.domain import OrderRequest, OrderStatus, OrderType, Side


def test_is_a_broker_named_kiwoom(make_kiwoom):
    broker = make_kiwoom()
    assert isinstance(broker, Broker)
    assert (broker.name, broker.is_live) == ("kiwoom", False)


def test_quote_strips_direction_signs(make_kiwoom):
    quote = make_kiwoom().quote("005930")
    assert (quote.price, quote.prev_close, quote.low, quote.lower_limit) == (70000, 69500, 69300, 48650)


def test_unknown_code_is_rejected(make_kiwoom):
    with pytest.raises(OrderRejected) as err:
        make_kiwoom().quote("999999")
    assert err.value.reason == Reason.UNKNOWN_CODE and "1902" in err.value.broker_message


def test_order_book_levels(make_kiwoom):
    book = make_kiwoom().order_book("005930")
    assert [lv.price for lv in book.asks[:3]] == [70100, 70200, 70300]
    assert [lv.price for lv in book.bids[:3]] == [70000, 69900, 69800]
    assert book.bids[1].qty == 1800


def test_daily_bars_page_with_next_key(make_kiwoom):
    end = date(2025, 6, 30)
    bars = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50).daily_bars(
        "005930", end - timedelta(days=250), end
    )
    assert len(bars) > 100 and bars[-1].time.date() == end
    assert bars[0].value == (bars[0].close // 1000) * 1_000_000


def test_minute_bars_for_a_day(make_kiwoom):
    day = date(2025, 6, 30)
    bars = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50).minute_bars("005930", day, 5)
    assert bars and all(b.time.date() == day and b.time.minute % 5 == 0 for b in bars)
    assert bars == sorted(bars, key=lambda b: b.time)


def test_ranking_by_trading_value(make_kiwoom):
    rows = make_kiwoom().ranking(limit=3)
    assert [r.rank for r in rows] == [1, 2, 3]
    assert rows[0].value >= rows[1].value >= rows[2].value
    assert rows[0].prev_close == rows[0].price + 100


def test_orders_cancel_and_fills(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    resting = broker.place_order(OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 60000, "k-1"))
    filled = broker.place_order(OrderRequest("000660", Side.BUY, 2, OrderType.MARKET))
    assert broker.place_order(OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 60000, "k-1")) is resting
    assert [o.order_id for o in broker.open_orders()] == [resting.order_id]
    statuses = {o.order_id: o.status for o in broker.orders()}
    assert statuses == {resting.order_id: OrderStatus.OPEN, filled.order_id: OrderStatus.FILLED}
    fills = broker.fills()
    assert [(f.order_id, f.qty, f.price) for f in fills] == [(filled.order_id, 2, 180000)]
    assert fills[0].commission == 2 * 180000 * 15 // 100000
    assert broker.cancel_order(resting.order_id).status == OrderStatus.CANCELLED
    assert broker.open_orders() == []


def test_a_cancelled_order_keeps_only_its_executed_shares(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    never = broker.place_order(OrderRequest("035720", Side.BUY, 20, OrderType.LIMIT, 44000))
    part = broker.place_order(OrderRequest("005930", Side.BUY, 10, OrderType.LIMIT, 69000))
    fake_kiwoom.execute(part.order_id, 4, 69000)
    broker.cancel_order(never.order_id)
    broker.cancel_order(part.order_id)
    orders = {o.order_id: (o.status, o.filled_qty, o.filled_amount) for o in broker.orders()}
    assert orders == {
        never.order_id: (OrderStatus.CANCELLED, 0, 0),  # ka10076: oso_qty 0, and nothing executed
        part.order_id: (OrderStatus.CANCELLED, 4, 276_000),
    }
    assert [(f.order_id, f.qty) for f in broker.fills()] == [(part.order_id, 4)]


def test_modify_price(make_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    order = broker.place_order(OrderRequest("005930", Side.BUY, 5, OrderType.LIMIT, 60000))
    modified = broker.modify_order(order.order_id, price=61000)
    assert (modified.price, modified.qty) == (61000, 5) and modified.order_id != order.order_id


def test_balance(make_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    broker.place_order(OrderRequest("005930", Side.BUY, 10, OrderType.LIMIT, 60000))
    balance = broker.balance()
    assert (balance.cash, balance.orderable) == (50_000_000, 50_000_000 - 600_000)
    assert [(p.code, p.qty, p.cost, p.price) for p in balance.positions] == [("005930", 10, 650_000, 70000)]


# ---- HTTP-200 errors ---------------------------------------------------------------------


def test_order_refusal_is_order_rejected_with_the_broker_message(make_kiwoom):
    with pytest.raises(OrderRejected) as err:
        make_kiwoom().place_order(OrderRequest("005930", Side.BUY, 10_000, OrderType.LIMIT, 70000))
    assert err.value.reason == Reason.INSUFFICIENT_CASH  # typed from the message; the text is kept
    assert "주문가능금액을 초과" in err.value.broker_message


def test_auth_failure_renews_the_token_once(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(token_min_interval_s=0)
    broker.quote("005930")
    fake_kiwoom.expire_tokens()  # HTTP 200, return_code 3, [8005]
    assert broker.quote("005930").price == 70000
    assert fake_kiwoom.token_calls == 2


def test_auth_failure_that_persists_is_auth_error(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom()
    broker.quote("005930")
    fake_kiwoom.auth_fail_next = 5
    with pytest.raises(AuthError) as err:
        broker.quote("005930")
    assert "8005" in err.value.broker_message


def test_wrong_environment_key_names_it(make_kiwoom):
    broker = make_kiwoom({"kiwoom_app_key": "real-key", "kiwoom_secret_key": "real-secret"})
    with pytest.raises(AuthError) as err:
        broker.quote("005930")
    assert "mock (모의투자)" in str(err.value) and "8030" in err.value.broker_message


def test_rate_limit_answers_back_off_then_succeed(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    fake_kiwoom.rate_limit_next = 1  # HTTP 429 + return_code 5
    fake_kiwoom.rate_limit_200_next = 1  # HTTP 200 + return_code 5 [1700]
    assert broker.quote("005930").price == 70000
    assert [api for _, api in fake_kiwoom.calls] == ["ka10001"] * 3


def test_rate_limit_that_persists_is_rate_limited(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_limit_retries=1)
    fake_kiwoom.rate_limit_200_next = 5
    with pytest.raises(RateLimited) as err:
        broker.quote("005930")
    assert "1700" in err.value.broker_message


def test_per_api_pacing_under_a_global_cap(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_per_api_s=1, global_rate_per_s=2, rate_period_s=0.5)
    broker.quote("005930")
    fake_kiwoom.calls.clear()
    start = time.monotonic()
    for _ in range(3):
        broker.quote("005930")  # ka10001: 1 per 0.5 s
    broker.order_book("005930")  # ka10004: its own bucket, still under the global cap
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 2.0
    assert [api for _, api in fake_kiwoom.calls] == ["ka10001"] * 3 + ["ka10004"]


def test_dropped_order_response_is_reconciled(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom(rate_per_api_s=50, global_rate_per_s=50)
    fake_kiwoom.drop_order_response_next = 1
    order = broker.place_order(OrderRequest("005930", Side.BUY, 4, OrderType.LIMIT, 61000, "kw-lost"))
    assert fake_kiwoom.order_posts == 1 and order.order_id == fake_kiwoom.orders[0].ord_no
    assert order.client_order_id == "kw-lost"


def test_logout_revokes(make_kiwoom, fake_kiwoom, tmp_path):
    broker = make_kiwoom()
    broker.quote("005930")
    assert broker.logout() is True
    assert fake_kiwoom.revoke_calls == 1 and list((tmp_path / "tokens").glob("*.json")) == []
