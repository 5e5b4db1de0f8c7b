"""Data derived from the feed: ranking snapshots and the quote cache.

Minute bars are not derived here: the batch writer marks the minutes each committed write touches
and recomputes them from ``tick_data`` (``db.repositories.tick_sink``, ``ticks.recompute_pairs_sql``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine

from db.repositories import rankings as rank_repo
from services.market_cache import MarketCacheWriter
from trading.brokers.base import Broker
from trading.domain import KST, Quote, RankRow, Tick

log = logging.getLogger(__name__)


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
        self.errors = 0

    def run_once(self, now: datetime | None = None) -> list[str]:
        """The ranked codes; the cache or the database being away costs only their copy (logged)."""
        now = now or datetime.now(KST)
        rows = self.broker.ranking(self.limit)
        self.last = rows
        if self.quotes:
            self.quotes.seed_from_ranking(rows, now)
        for what, store in (("cache", lambda: self.cache.put_ranking(rows, now)),
                            ("database", lambda: rank_repo.insert_snapshot(self.engine, now, rows))):  # fmt: skip
            try:
                store()
            except Exception as err:  # noqa: BLE001 - the universe must not wait for a copy
                self.errors += 1
                log.warning("ranking snapshot not stored in the %s: %s", what, err)
        return [r.code for r in rows]
