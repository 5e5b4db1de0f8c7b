"""Universe selection and sharding under the per-connection subscription cap (real PaperBroker)."""

from __future__ import annotations

from trading.brokers.paper.broker import PaperBroker
from trading.market.service import MarketService
from trading.market.stocks import load_listing
from workers.recorder.collector import TickCollector
from workers.recorder.feed import FeedManager
from workers.recorder.universe import select_universe, shard


class ListBuffer:
    def __init__(self):
        self.items = []

    def append(self, data, n, t_ms):
        self.items.append((data, n))

    def close(self):
        pass


def test_select_universe_and_shard():
    u = select_universe(["A", "B", "C", "D"], 2, {"D", "X"}, {"B", "Y"})
    assert u == ["A", "B", "D", "X", "Y"]
    assert shard([str(i) for i in range(100)], 40, slots_per_code=2) == [
        [str(i) for i in range(k, min(k + 20, 100))] for k in range(0, 100, 20)
    ]


def test_feed_manager_respects_cap_and_reshards():
    service = MarketService(load_listing()[:200])
    broker = PaperBroker(service)
    codes = [s.code for s in load_listing()[:200]]
    fm = FeedManager(
        broker, TickCollector(ListBuffer()), cap_per_connection=40, max_connections=3, books=True
    )
    res = fm.apply(codes[:70])
    assert res["opened"] == 4 - 1 and res["dropped"] == 10  # 3 connections × 20 codes, 10 over the limit
    assert all(len(c.codes) <= 20 for c in fm.connections)
    assert len(service._subs["ticks"]) == 3 and len(service._subs["books"]) == 3
    fm.apply(codes[10:40])  # shrink: the first connection now covers 10..19, the second 20..39
    assert sorted(c for conn in fm.connections for c in conn.codes) == sorted(codes[10:40])
    assert len(service._subs["ticks"]) == len(fm.connections) == 2
    fm.close()
    assert not service._subs["ticks"] and not service._subs["books"]


def test_collector_counts_malformed_events_and_never_raises():
    buf = ListBuffer()
    col = TickCollector(buf)
    col.on_event("garbage")
    col.on_event(None)
    assert col.malformed == 2 and col.flush() == 0 and not buf.items
