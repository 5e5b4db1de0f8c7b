"""SqlPaperStore on SQLite and MariaDB: restart restores identical state."""

from datetime import date, datetime, timedelta

import pytest

from db.repositories.paper import SqlPaperStore
from trading.brokers.errors import OrderRejected
from trading.brokers.paper.exchange import PaperExchange
from trading.brokers.paper.fakes import ManualClock, StaticMarket
from trading.domain import KST, Market, OrderRequest, OrderStatus, OrderType, Side

DAY = date(2026, 11, 23)
STOCKS = {"005930": (Market.KOSPI, 70_000), "035720": (Market.KOSDAQ, 1_990)}


def build(engine, clock, market=None):
    market = market or StaticMarket(DAY, dict(STOCKS), depth=500)
    return PaperExchange(market, clock, SqlPaperStore(engine, "paper", initial_cash=100_000_000))


def test_restart_restores_everything(db_engine):
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=KST))
    ex = build(db_engine, clock)
    m = ex.place_order(OrderRequest("005930", Side.BUY, 700, OrderType.MARKET, client_order_id="m1"))
    assert m.filled_qty == 700  # walked two ask levels
    clock.t += timedelta(seconds=1)
    b = ex.place_order(OrderRequest("005930", Side.BUY, 50, price=69_900))
    s = ex.place_order(OrderRequest("005930", Side.SELL, 300, price=70_500, client_order_id="s1"))
    k = ex.place_order(OrderRequest("035720", Side.BUY, 1_000, price=1_985))
    clock.t += timedelta(seconds=1)
    ex.on_trades("005930", [69_900, 70_500], [520, 600])  # partial fills for both
    ex.on_trades("035720", [1_985], [200])  # queue only
    ex.modify_order(k.order_id, qty=900)
    ex.cancel_order(s.order_id, qty=10)
    assert ex.get_order(b.order_id).status is OrderStatus.PARTIAL
    assert ex.get_order(s.order_id).status is OrderStatus.PARTIAL
    with pytest.raises(OrderRejected):
        ex.place_order(OrderRequest("005930", Side.SELL, 10_000, price=70_000))

    again = build(db_engine, clock)
    assert again.snapshot() == ex.snapshot()
    assert again.balance() == ex.balance()
    assert again.fills() == ex.fills() and len(ex.fills()) == 4
    assert again.place_order(OrderRequest("005930", Side.BUY, 1, client_order_id="m1")).order_id == m.order_id
    # New ids continue after the restored counter.
    n = again.place_order(OrderRequest("005930", Side.BUY, 1, price=60_000))
    assert n.order_id > k.order_id
    # Fill ids continue per order.
    again.on_trades("005930", [69_800], [1])
    assert [f.fill_id for f in again.fills() if f.order_id == b.order_id][-1].endswith("-0002")


def test_next_day_loads_only_active_and_expires_them(db_engine):
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    ex = build(db_engine, clock)
    o = ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_000))
    clock.t = datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    nxt = build(db_engine, clock, StaticMarket(date(2026, 11, 24), dict(STOCKS)))
    assert nxt.open_orders() == [] and nxt.orderable() == nxt.cash == 100_000_000
    assert nxt.orders() == []
    assert nxt.orders(DAY)[0].order_id == o.order_id
    assert nxt.orders(DAY)[0].status is OrderStatus.CANCELLED


def test_account_created_once(db_engine):
    a = SqlPaperStore(db_engine, "acct", initial_cash=5)
    b = SqlPaperStore(db_engine, "acct", initial_cash=999)
    assert a.account_id == b.account_id
    assert b.load(DAY).cash == 5
