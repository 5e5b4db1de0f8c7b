"""Latest market data for the pages: one read path, no per-viewer broker calls.

Embedded mode reads the in-process market (memory, ``ServiceMarketData``); full mode reads the cache
the market owner / recorder writes into Redis (``services/market_cache.py``). Pages call
``app.runtime.market_data()`` and never a broker for quotes, books or the ranking; orders go through
the order gateway and account data through the account's reader.
"""

from __future__ import annotations

from typing import Protocol

from trading.domain import Bar, OrderBook, Quote, RankRow


class MarketData(Protocol):
    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]: ...
    def quote(self, code: str) -> Quote: ...
    def book(self, code: str) -> OrderBook: ...
    def intraday_bars(self, code: str, interval: int = 1) -> list[Bar]: ...
    def last_tick_age(self, code: str) -> float | None: ...  # seconds since the last trade print
    def is_stale(self, code: str) -> bool: ...  # the broker feed lost its source for ``code``


class ServiceMarketData:
    """Embedded mode: memory reads of the in-process market, under its lock."""

    def __init__(self, service):  # noqa: ANN001 - trading.market.service.MarketService
        self.service = service

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        with self.service.lock:
            return self.service.sim.ranking(limit, market)

    def quote(self, code: str) -> Quote:
        with self.service.lock:
            return self.service.sim.quote(code)

    def book(self, code: str) -> OrderBook:
        with self.service.lock:
            return self.service.sim.order_book(code)

    def intraday_bars(self, code: str, interval: int = 1) -> list[Bar]:
        with self.service.lock:
            return self.service.sim.minute_bars(code, interval)

    def is_stale(self, code: str) -> bool:
        return False  # the in-process market is the source

    def last_tick_age(self, code: str) -> float | None:
        with self.service.lock:
            q = self.service.sim.quote(code)
            now = self.service.clock.now()
        return max(0.0, (now - q.time).total_seconds()) if q.volume else None
