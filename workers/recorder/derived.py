"""Data derived from the feed: minute bars, ranking snapshots, the quote cache."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine

from db.repositories import rankings as rank_repo
from db.repositories.ticks import MinuteDelta, upsert_minute_deltas
from services.market_cache import MarketCacheWriter
from trading.brokers.base import Broker
from trading.domain import KST, Quote, RankRow, Tick
from trading.timeconv import naive_kst

log = logging.getLogger(__name__)


class MinuteBarAggregator:
    """Accumulates per-(code, minute) deltas from ticks; ``flush`` merges them into minute_bars.

    The current minute is rewritten as it grows (high/low widen, close moves, volume adds). Deltas
    are kept until a flush succeeds, so a database hiccup delays bars but never drops volume.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._deltas: dict[tuple[str, datetime], MinuteDelta] = {}

    def on_ticks(self, ticks: list[Tick]) -> None:
        with self._lock:
            for t in ticks:
                m = naive_kst(t.time).replace(second=0, microsecond=0)
                d = self._deltas.get((t.code, m))
                v = t.price * t.volume
                if d is None:
                    self._deltas[(t.code, m)] = MinuteDelta(
                        t.code, m, t.price, t.price, t.price, t.price, t.volume, v
                    )
                else:
                    d.high = max(d.high, t.price)
                    d.low = min(d.low, t.price)
                    d.close = t.price
                    d.volume += t.volume
                    d.value += v

    def flush(self) -> int:
        with self._lock:
            deltas, self._deltas = self._deltas, {}
        try:
            return upsert_minute_deltas(self.engine, list(deltas.values()))
        except Exception:
            with self._lock:  # merge back in front of anything that arrived meanwhile
                for k, d in deltas.items():
                    cur = self._deltas.get(k)
                    if cur is not None:
                        d.high, d.low = max(d.high, cur.high), min(d.low, cur.low)
                        d.close, d.volume, d.value = cur.close, d.volume + cur.volume, d.value + cur.value
                    self._deltas[k] = d
            raise


class QuoteTracker:
    """Quotes kept current from ticks: a base (from the ranking or ``broker.quote``) plus every print."""

    def __init__(self, cache: MarketCacheWriter):
        self.cache = cache
        self._lock = threading.Lock()
        self.quotes: dict[str, Quote] = {}

    def seed(self, q: Quote) -> None:
        with self._lock:
            self.quotes[q.code] = q

    def seed_from_ranking(self, rows: list[RankRow], at: datetime) -> None:
        with self._lock:
            for r in rows:
                if r.code not in self.quotes:
                    self.quotes[r.code] = Quote(r.code, r.price, r.prev_close, r.price, r.price, r.price,
                                                r.volume, r.value, 0, 0, at)  # fmt: skip

    def on_ticks(self, ticks: list[Tick]) -> None:
        changed: dict[str, Quote] = {}
        with self._lock:
            for t in ticks:
                q = self.quotes.get(t.code)
                if q is None:
                    q = Quote(t.code, t.price, t.price, t.price, t.price, t.price, 0, 0, 0, 0, t.time)
                q = replace(q, price=t.price, high=max(q.high, t.price), low=min(q.low, t.price) if q.low else t.price,
                            volume=t.cum_volume, value=t.cum_value, time=t.time, strength=float(t.strength))  # fmt: skip
                self.quotes[t.code] = q
                changed[t.code] = q
        self.cache.put_quotes(list(changed.values()))


class RankingSnapshotter:
    """Every 10 s: ``broker.ranking(limit)`` → trading_value_rank + cache; returns the ranked codes."""

    def __init__(self, broker: Broker, engine: Engine, cache: MarketCacheWriter, quotes: QuoteTracker | None = None,
                 limit: int = 100):  # fmt: skip
        self.broker = broker
        self.engine = engine
        self.cache = cache
        self.quotes = quotes
        self.limit = limit
        self.last: list[RankRow] = []

    def run_once(self, now: datetime | None = None) -> list[str]:
        now = now or datetime.now(KST)
        rows = self.broker.ranking(self.limit)
        self.last = rows
        self.cache.put_ranking(rows, now)
        if self.quotes:
            self.quotes.seed_from_ranking(rows, now)
        rank_repo.insert_snapshot(self.engine, now, rows)
        return [r.code for r in rows]
