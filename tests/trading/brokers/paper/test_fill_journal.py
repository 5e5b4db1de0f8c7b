"""The fill journal: market events the store cannot take wait in an fsync'd file, in order, and are
written exactly once when it answers; a lost commit acknowledgement never reuses an order id."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from support.wait import wait_for

from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.brokers.paper.exchange import PaperExchange
from trading.brokers.paper.fakes import ManualClock, StaticMarket
from trading.brokers.paper.fill_journal import FillJournal
from trading.brokers.paper.store import MemoryStore, StoreEvent
from trading.domain import KST, Market, OrderRequest, OrderStatus, Side
from trading.orders.lease import NoLease

DAY = date(2026, 11, 23)
STOCKS = {"005930": (Market.KOSPI, 70_000)}


class FlakyStore(MemoryStore):
    """A memory store that can be taken down (every call raises, nothing is written)."""

    def __init__(self) -> None:
        super().__init__(100_000_000)
        self.down = False
        self.writes = 0

    def apply(self, event: StoreEvent) -> None:
        if self.down:
            raise ConnectionError("store down")
        self.writes += 1
        super().apply(event)

    def committed(self, event: StoreEvent) -> bool:
        if self.down:
            raise ConnectionError("store down")
        return super().committed(event)


def build(
    tmp_path: Path,
    store: MemoryStore,
    fence: int | None = None,
    retry_s: float = 0.01,
    guard: Callable[[], None] | None = None,
):
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    journal = FillJournal(tmp_path / "paper-journal.jsonl", lambda account: store, fence=fence, guard=guard)
    journal.RETRY_S = (retry_s, retry_s * 5)
    ex = PaperExchange(StaticMarket(DAY, dict(STOCKS)), clock, store, account="a", journal=journal)
    return ex, journal, clock


def state_of(store: MemoryStore) -> dict:
    return {
        "cash": store.cash,
        "orders": {oid: r.order for oid, r in store.orders.items()},
        "fills": sorted(f.fill_id for f in store.fills),
        "positions": {c: (p.qty, p.cost) for c, p in store.positions.items()},
    }


def test_fills_wait_in_the_journal_and_are_written_once(tmp_path):
    store = FlakyStore()
    ex, journal, _ = build(tmp_path, store)
    o = ex.place_order(OrderRequest("005930", Side.BUY, 30, price=69_900))
    store.down = True
    fills = ex.on_trades("005930", [69_800], [10])
    assert sum(f.qty for f in fills) == 30  # matched on memory
    assert ex.get_order(o.order_id).status is OrderStatus.FILLED and ex.balance().positions[0].qty == 30
    assert journal.pending >= 1 and (tmp_path / "paper-journal.jsonl").stat().st_size > 0
    # An order while events wait and the store is down: refused, nothing changes.
    before = ex.snapshot()
    with pytest.raises(BrokerUnavailable):
        ex.place_order(OrderRequest("005930", Side.SELL, 5, price=70_100))
    before.pop("next_seq")
    after = ex.snapshot()
    after.pop("next_seq")
    assert after == before
    store.down = False
    s = ex.place_order(OrderRequest("005930", Side.SELL, 5, price=70_100))  # writes what waits, first
    assert journal.pending == 0 and (tmp_path / "paper-journal.jsonl").stat().st_size == 0
    assert state_of(store)["fills"] == sorted(f.fill_id for f in ex.fills())
    assert store.cash == ex.cash and store.positions["005930"].qty == 30
    assert store.orders[s.order_id].order.status is OrderStatus.OPEN


def test_the_flusher_writes_when_the_store_answers(tmp_path):
    store = FlakyStore()
    ex, journal, _ = build(tmp_path, store)
    ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900))
    store.down = True
    ex.on_trades("005930", [69_800], [100])
    assert journal.pending == 1
    store.down = False
    assert wait_for(lambda: journal.pending == 0, 5)
    assert store.cash == ex.cash and [f.fill_id for f in store.fills] == [f.fill_id for f in ex.fills()]
    journal.close()


def test_a_lost_commit_acknowledgement_never_reuses_an_order_id(tmp_path):
    store = FlakyStore()
    ex, journal, _ = build(tmp_path, store)
    store.unknown_next = True  # stored, but the caller hears a failure
    a = ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900, client_order_id="a"))
    assert ex.get_order(a.order_id) is not None
    assert journal.pending == 0 and journal.stats["skipped"] == 1  # found stored: not written again
    store.down, store.unknown_next = True, True
    with pytest.raises(BrokerUnavailable):  # down: nothing written, nothing journaled
        ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_800, client_order_id="c"))
    store.down = False
    c = ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_800, client_order_id="c"))
    assert journal.pending == 0 and journal.stats["skipped"] == 2
    b = ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_800, client_order_id="b"))
    assert len({a.order_id, b.order_id, c.order_id}) == 3 and journal.pending == 0
    assert sorted(store.orders) == sorted([a.order_id, b.order_id, c.order_id])
    assert store.writes == 3 and store.cash == ex.cash


def test_a_restart_writes_what_the_journal_kept(tmp_path):
    store = FlakyStore()
    ex, journal, clock = build(tmp_path, store, fence=7)
    ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900))
    store.down = True
    ex.on_trades("005930", [69_800], [100])
    journal.close()  # the process ends with the store still down
    want = ex.snapshot()
    store.down = False
    with open(tmp_path / "paper-journal.jsonl", "a") as f:
        f.write('{"op":"add","n":99,"events":[{"acc')  # a line torn by the crash: never acknowledged
    again = FillJournal(tmp_path / "paper-journal.jsonl", lambda account: store, fence=8)
    assert again.recover() == 1
    restarted = PaperExchange(StaticMarket(DAY, dict(STOCKS)), clock, store, account="a", journal=again)
    got = restarted.snapshot()
    assert {k: got[k] for k in ("cash", "positions", "orders", "fills")} == {
        k: want[k] for k in ("cash", "positions", "orders", "fills")
    }
    assert again.recover() == 0  # nothing left; a second replay is a no-op


def test_entries_of_an_older_owner_are_set_aside(tmp_path):
    store = FlakyStore()
    ex, journal, _ = build(tmp_path, store, fence=3)
    ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900))
    store.down = True
    ex.on_trades("005930", [69_800], [100])
    journal.close()
    store.down = False
    later = FillJournal(tmp_path / "paper-journal.jsonl", lambda account: store, fence=5)
    assert later.recover() == 0 and later.stats["orphaned"] == 1
    aside = list(tmp_path.glob("paper-journal.jsonl.orphaned-*"))
    assert len(aside) == 1 and json.loads(aside[0].read_text().splitlines()[0])["fence"] == 3
    assert store.fills == []


def test_reads_of_a_past_day_include_what_waits(tmp_path):
    store = FlakyStore()
    ex, journal, clock = build(tmp_path, store, retry_s=60)
    o = ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900))
    store.down = True
    fills = ex.on_trades("005930", [69_800], [100])
    clock.t = datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    ex.roll_day(clock.session_date())
    store.down = False  # the store answers reads again; the journal has not been written yet
    assert journal.pending == 1
    assert [f.fill_id for f in ex.fills(DAY)] == [f.fill_id for f in fills]
    assert ex.orders(DAY)[0].order_id == o.order_id and ex.orders(DAY)[0].status is OrderStatus.FILLED
    journal.close()


def test_an_owner_whose_lease_is_in_doubt_journals_nothing(tmp_path):
    store = FlakyStore()
    ex, journal, _ = build(tmp_path, store, retry_s=60, guard=NoLease("lease not renewed").check)
    ex.place_order(OrderRequest("005930", Side.BUY, 10, price=69_900))
    before = ex.snapshot()
    store.down = True
    with pytest.raises(OrderRejected) as err:
        ex.on_trades("005930", [69_800], [100])
    assert err.value.reason is Reason.NOT_OWNER
    assert ex.snapshot() == before and journal.pending == 0
