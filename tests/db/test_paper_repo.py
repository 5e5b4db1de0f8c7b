"""SqlPaperStore on SQLite and MariaDB: restart restores identical state."""

import itertools
from datetime import date, datetime, timedelta

import pytest

from db.repositories.paper import SqlPaperStore
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.exchange import OrderSeq, PaperExchange
from trading.brokers.paper.fakes import ManualClock, StaticMarket
from trading.brokers.paper.store import MemoryStore, WriteRefused
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


class RecordingStore(MemoryStore):
    """A memory store that keeps each event it applied, to write them again to SQL stores."""

    def __init__(self) -> None:
        super().__init__(100_000_000)
        self.events: list = []

    def apply(self, event) -> None:  # noqa: ANN001 - a StoreEvent
        super().apply(event)
        self.events.append(event)


def _trade_two_accounts(clock) -> tuple[PaperExchange, PaperExchange]:  # noqa: ANN001 - a ManualClock
    """Accounts a and b: new orders, fills, a position opened then added to, a resting order filled later."""
    market = StaticMarket(DAY, dict(STOCKS), depth=500)
    seq = OrderSeq()  # one market: order ids unique across its accounts
    a = PaperExchange(market, clock, RecordingStore(), seq=seq)
    b = PaperExchange(market, clock, RecordingStore(), seq=seq)
    a.place_order(OrderRequest("005930", Side.BUY, 10, OrderType.MARKET))
    b.place_order(OrderRequest("035720", Side.BUY, 100, OrderType.MARKET))
    a.place_order(OrderRequest("005930", Side.BUY, 5, OrderType.MARKET))  # the same position again
    rest = b.place_order(OrderRequest("005930", Side.BUY, 20, price=69_900))
    clock.t += timedelta(seconds=1)
    a.on_trades("005930", [69_900], [600])
    b.on_trades("005930", [69_900], [600])  # b's resting order fills: an update of an order of this batch
    assert b.get_order(rest.order_id).filled_qty > 0
    return a, b


def test_events_of_several_accounts_write_in_one_transaction(db_engine):
    """apply_all writes one statement per table for every event of every account (rows inserted before an
    event updates them); the stores then load exactly what the exchanges hold."""
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    a, b = _trade_two_accounts(clock)
    sql = {"a": SqlPaperStore(db_engine, "a", initial_cash=100_000_000),
           "b": SqlPaperStore(db_engine, "b", initial_cash=100_000_000)}  # fmt: skip
    pairs = itertools.zip_longest(a.store.events, b.store.events)  # interleaved: a, b, a, b, b
    batch = [(sql[name], ev) for pair in pairs for name, ev in zip("ab", pair, strict=True) if ev is not None]
    assert len(batch) == 5
    sql["a"].apply_all(batch)
    for name, ex in (("a", a), ("b", b)):
        again = PaperExchange(StaticMarket(DAY, dict(STOCKS), depth=500), clock, sql[name])
        assert again.snapshot() == ex.snapshot()
        assert again.balance() == ex.balance()
        assert sorted(f.fill_id for f in again.fills()) == sorted(f.fill_id for f in ex.fills())


def test_a_refused_event_writes_nothing_of_any_account(db_engine):
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    a, b = _trade_two_accounts(clock)
    sa = SqlPaperStore(db_engine, "a", initial_cash=100_000_000)
    sb = SqlPaperStore(db_engine, "b", initial_cash=100_000_000)
    first = a.store.events[0]
    with pytest.raises(WriteRefused):  # the same new order twice: the second insert is refused
        sa.apply_all([(sa, first), (sb, b.store.events[0]), (sa, first)])
    for store in (sa, sb):
        state = store.load(DAY)
        assert (state.cash, state.orders, state.fills, state.positions) == (100_000_000, [], [], [])


def test_a_stale_fence_writes_nothing_of_any_account(db_engine):
    """The accounts' cash is set in one statement under the market's fencing token: once another owner took
    the token, a batch of several accounts is refused whole (NOT_OWNER), and the current token writes."""
    from db.repositories.owners import next_fence

    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    a, b = _trade_two_accounts(clock)
    token = next_fence(db_engine, "market", "this owner")
    fenced = [SqlPaperStore(db_engine, n, initial_cash=100_000_000, fence=("market", token)) for n in "ab"]
    batch = [(fenced[0], a.store.events[0]), (fenced[1], b.store.events[0])]
    next_fence(db_engine, "market", "another owner")
    with pytest.raises(OrderRejected) as err:
        fenced[0].apply_all(batch)
    assert err.value.reason is Reason.NOT_OWNER
    for store in fenced:
        state = store.load(DAY)
        assert (state.cash, state.orders, state.fills) == (100_000_000, [], [])
    current = next_fence(db_engine, "market", "this owner again")
    again = [SqlPaperStore(db_engine, n, initial_cash=100_000_000, fence=("market", current)) for n in "ab"]
    again[0].apply_all([(again[0], a.store.events[0]), (again[1], b.store.events[0])])
    assert [s.load(DAY).cash for s in again] == [a.store.events[0].cash, b.store.events[0].cash]
