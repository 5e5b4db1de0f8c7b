from datetime import date, datetime

import pytest

from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.brokers.paper.exchange import PaperExchange
from trading.domain import KST, OrderRequest, OrderStatus, OrderType, Side
from trading.krx import COMMISSION_RATES, Phase, commission, price_limits, sell_tax

DAY = date(2026, 11, 23)

BUY, SELL = Side.BUY, Side.SELL


def buy(code="005930", qty=10, price=70_000, **kw):
    return OrderRequest(code, BUY, qty, OrderType.LIMIT, price, **kw)


def sell(code="005930", qty=10, price=70_000, **kw):
    return OrderRequest(code, SELL, qty, OrderType.LIMIT, price, **kw)


def own(ex, qty=100, price=70_000):
    """Give the account ``qty`` shares through a marketable buy."""
    ex.place_order(OrderRequest("005930", BUY, qty, OrderType.MARKET))
    return ex


@pytest.mark.parametrize(
    ("req", "reason"),
    [
        (buy(code="999999"), Reason.UNKNOWN_CODE),
        (buy(code="abc"), Reason.UNKNOWN_CODE),
        (buy(qty=0), Reason.BAD_QTY),
        (buy(qty=-5), Reason.BAD_QTY),
        (buy(qty=1.5), Reason.BAD_QTY),
        (buy(qty=True), Reason.BAD_QTY),
        (buy(price=None), Reason.BAD_PRICE),
        (buy(price=0), Reason.BAD_PRICE),
        (buy(price=-100), Reason.BAD_PRICE),
        (buy(price=70_050), Reason.OFF_TICK),
        (buy(price=91_100), Reason.OUT_OF_LIMITS),
        (buy(price=48_900), Reason.OUT_OF_LIMITS),
        (buy(qty=2_000, price=60_000), Reason.INSUFFICIENT_CASH),
        (sell(qty=1), Reason.INSUFFICIENT_SHARES),
    ],
)
def test_rejections_change_nothing(ex, store, req, reason):
    before = ex.snapshot()
    stored = (store.cash, dict(store.orders), list(store.fills), dict(store.positions))
    with pytest.raises(OrderRejected) as err:
        ex.place_order(req)
    assert err.value.reason is reason
    assert ex.snapshot() == before
    assert (store.cash, dict(store.orders), list(store.fills), dict(store.positions)) == stored


def test_cash_check_includes_commission_and_reserves(ex):
    rate = COMMISSION_RATES["paper"]
    price = 70_000
    qty = 100_000_000 // price  # 1428 shares: amount fits, amount + commission may not
    amount = price * qty
    if amount + commission(amount, rate) > 100_000_000:
        with pytest.raises(OrderRejected):
            ex.place_order(buy(qty=qty, price=price))
    ex.place_order(buy(qty=700, price=50_000))  # reserves 35,005,250
    with pytest.raises(OrderRejected) as err:
        ex.place_order(buy(qty=1_000, price=65_000))
    assert err.value.reason is Reason.INSUFFICIENT_CASH


def test_sell_reserved_shares_count(ex):
    own(ex, 100)
    ex.place_order(sell(qty=60, price=80_000))
    with pytest.raises(OrderRejected) as err:
        ex.place_order(sell(qty=41, price=80_000))
    assert err.value.reason is Reason.INSUFFICIENT_SHARES
    ex.place_order(sell(qty=40, price=80_000))


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.POST_CLOSE, Phase.AFTER_HOURS_SINGLE])
def test_market_closed(ex, clock, phase):
    clock.current_phase = phase
    before = ex.snapshot()
    with pytest.raises(OrderRejected) as err:
        ex.place_order(buy())
    assert err.value.reason is Reason.MARKET_CLOSED
    assert ex.snapshot() == before


def test_orders_accepted_in_auctions(ex, clock):
    for phase in (Phase.PRE_OPEN_AUCTION, Phase.CLOSING_AUCTION):
        clock.current_phase = phase
        assert ex.place_order(buy(price=80_000)).status is OrderStatus.OPEN  # no book walk in auctions


def test_queue_priority(ex):
    o = ex.place_order(buy(qty=10, price=70_000))  # 1,000 displayed ahead at 70,000
    assert ex.queue_ahead(o.order_id) == 1_000
    ex.on_trades("005930", [70_000] * 3, [400, 400, 199])
    assert ex.get_order(o.order_id).filled_qty == 0
    assert ex.queue_ahead(o.order_id) == 1
    ex.on_trades("005930", [70_000], [5])
    got = ex.get_order(o.order_id)
    assert (got.filled_qty, got.status) == (4, OrderStatus.PARTIAL)
    ex.on_trades("005930", [69_900], [1])  # strictly through: the remainder fills at the limit
    got = ex.get_order(o.order_id)
    assert (got.filled_qty, got.status, got.filled_amount) == (10, OrderStatus.FILLED, 700_000)


def test_trades_above_a_buy_do_not_fill(ex):
    o = ex.place_order(buy(qty=10, price=69_000))
    ex.on_trades("005930", [69_100, 70_000], [10_000, 10_000])
    assert ex.get_order(o.order_id).filled_qty == 0


def test_modify_price_loses_priority_qty_decrease_keeps_it(ex):
    o = ex.place_order(buy(qty=10, price=70_000))
    ex.on_trades("005930", [70_000], [900])
    assert ex.queue_ahead(o.order_id) == 100
    ex.modify_order(o.order_id, qty=8)  # decrease: keeps its place
    assert ex.queue_ahead(o.order_id) == 100
    ex.modify_order(o.order_id, qty=9)  # increase: back of the queue
    assert ex.queue_ahead(o.order_id) == 1_000
    ex.on_trades("005930", [70_000], [900])
    m = ex.modify_order(o.order_id, price=69_900)  # price change: new queue at the new level
    assert ex.queue_ahead(o.order_id) == 1_000 and m.price == 69_900
    with pytest.raises(OrderRejected) as err:
        ex.modify_order(o.order_id, price=69_900)
    assert err.value.reason is Reason.NO_CHANGE
    with pytest.raises(OrderRejected) as err:
        ex.modify_order(o.order_id, price=69_950)
    assert err.value.reason is Reason.OFF_TICK


def test_modify_to_marketable_walks_the_book(ex):
    o = ex.place_order(buy(qty=10, price=69_000))
    m = ex.modify_order(o.order_id, price=70_100)
    assert m.status is OrderStatus.FILLED and m.filled_amount == 701_000


def test_partial_and_full_cancel(ex):
    o = ex.place_order(buy(qty=10, price=70_000))
    reserved = ex.snapshot()["reserved_cash"]
    c = ex.cancel_order(o.order_id, qty=4)
    assert (c.qty, c.status) == (6, OrderStatus.OPEN)
    assert ex.snapshot()["reserved_cash"] < reserved
    assert ex.queue_ahead(o.order_id) == 1_000  # a partial cancel keeps priority
    with pytest.raises(OrderRejected) as err:
        ex.cancel_order(o.order_id, qty=7)
    assert err.value.reason is Reason.BAD_QTY
    c = ex.cancel_order(o.order_id)
    assert c.status is OrderStatus.CANCELLED and ex.orderable() == ex.cash == 100_000_000
    with pytest.raises(OrderRejected) as err:
        ex.cancel_order(o.order_id)
    assert err.value.reason is Reason.NOT_ACTIVE
    with pytest.raises(OrderRejected) as err:
        ex.cancel_order("P000")
    assert err.value.reason is Reason.ORDER_NOT_FOUND


def test_market_order_walks_the_book_and_cancels_the_rest(ex, market):
    market.set_book("005930", bids=[(70_000, 50)], asks=[(70_100, 30), (70_200, 20), (70_300, 10)])
    o = ex.place_order(OrderRequest("005930", BUY, 100, OrderType.MARKET))
    assert o.status is OrderStatus.CANCELLED
    assert o.filled_qty == 60
    assert o.filled_amount == 30 * 70_100 + 20 * 70_200 + 10 * 70_300
    fills = ex.fills()
    assert [(f.price, f.qty) for f in fills] == [(70_100, 30), (70_200, 20), (70_300, 10)]
    # The displayed liquidity is used up until the book changes.
    with pytest.raises(OrderRejected) as err:
        ex.place_order(OrderRequest("005930", BUY, 1, OrderType.MARKET))
    assert err.value.reason is Reason.NO_LIQUIDITY
    assert ex.orderable() == ex.cash  # nothing reserved by the finished market order


def test_marketable_limit_walks_then_rests(ex, market):
    market.set_book("005930", bids=[(70_000, 50)], asks=[(70_100, 30), (70_200, 20)])
    o = ex.place_order(buy(qty=100, price=70_100))
    assert (o.status, o.filled_qty) == (OrderStatus.PARTIAL, 30)
    assert ex.queue_ahead(o.order_id) == 0


def test_costs_and_average_cost(ex):
    rate = COMMISSION_RATES["paper"]
    own(ex, 3)  # 3 @ 70,100
    ex.place_order(sell(qty=1, price=70_000))
    f = ex.fills()[-1]
    assert f.commission == commission(70_000, rate)
    assert f.tax == sell_tax(70_000, DAY, "KOSPI")
    qty, cost, realized = ex.positions_raw()["005930"]
    assert (qty, cost) == (2, 210_300 - 210_300 // 3)
    assert realized == 70_000 - 210_300 // 3
    fees = sum(x.commission + x.tax for x in ex.fills())
    assert ex.cash + cost - realized + fees == 100_000_000


def test_client_order_id_idempotent(ex, store):
    a = ex.place_order(buy(client_order_id="abc"))
    b = ex.place_order(buy(qty=99, client_order_id="abc"))
    assert a == b and len(store.orders) == 1


def test_store_failure_changes_nothing(ex, store):
    before = ex.snapshot()
    store.fail_next = True
    with pytest.raises(BrokerUnavailable):
        ex.place_order(buy())
    after = ex.snapshot()
    assert after.pop("next_seq") == before.pop("next_seq") + 1  # a failed write's id is never reused
    assert after == before
    assert ex.place_order(buy()).order_id.endswith("0000000002")


def test_roll_day_expires_open_orders(ex, clock):
    o = ex.place_order(buy())
    clock.t = datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    ex.roll_day(clock.session_date())
    assert ex.open_orders() == [] and ex.orderable() == ex.cash
    assert ex.orders(DAY)[0].status is OrderStatus.CANCELLED
    assert ex.orders(DAY)[0].order_id == o.order_id


def test_auction_print_fills_at_the_single_price(ex, clock):
    clock.current_phase = Phase.PRE_OPEN_AUCTION
    b = ex.place_order(buy(qty=5, price=71_000))
    m = ex.place_order(OrderRequest("005930", BUY, 5, OrderType.MARKET))
    ex.on_trades("005930", [70_500], [100_000], auction=True)
    for oid in (b.order_id, m.order_id):
        o = ex.get_order(oid)
        assert o.status is OrderStatus.FILLED and o.filled_amount == 5 * 70_500


def test_fill_listener(ex):
    got = []
    remove = ex.add_fill_listener(got.append)
    own(ex, 5)
    remove()
    own(ex, 5)
    assert len(got) == 1 and got[0].qty == 5


def test_limits_fixture_sanity():
    assert price_limits(70_000, DAY) == (91_000, 49_000)
    assert isinstance(PaperExchange, type)
