"""The process-wide services the web app and CLI share: settings, database engine, cache.

Built once by ``init_runtime`` (the app factory or a CLI command); pages call ``runtime()``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from db.engine import get_engine
from trading.config import Settings, get_settings

if TYPE_CHECKING:
    from app.marketdata import MarketData
    from trading.brokers.base import Broker


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: dict[str, Any] = field(default_factory=dict)  # started services by name (broker, scheduler)
    owns_market: bool = False  # True in the process that owns the paper market (gslts run / gslts market)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def broker(self) -> Broker:
        """The configured broker (created once per process; see app/market_owner.py for paper)."""
        with self._lock:
            if "broker" not in self.services:
                self.services["broker"] = self._make_broker()
            return self.services["broker"]

    def _make_broker(self) -> Broker:
        s = self.settings
        if s.broker == "kis":
            from trading.brokers.kis import KisBroker

            return KisBroker.from_settings(s)
        if s.broker == "kiwoom":
            from trading.brokers.kiwoom import KiwoomBroker

            return KiwoomBroker.from_settings(s)
        from app.market_owner import api_token, running_owner_url, start_paper_market
        from trading.brokers.rpc import RpcBroker

        if not s.embedded and not self.owns_market:
            from trading.brokers.redis_rpc import RedisTransport

            return RpcBroker(RedisTransport(s.redis_url or ""))
        if self.owns_market:
            return start_paper_market(self.engine, s)
        url = running_owner_url(s)
        if url:
            from trading.brokers.http_rpc import HttpTransport

            return RpcBroker(HttpTransport(url, api_token(s)))
        # No app is running: this process (a CLI command) owns the market for its lifetime.
        self.owns_market = True
        return start_paper_market(self.engine, s)

    def market_data(self) -> MarketData:
        """Quotes, books and rankings for pages: memory in embedded mode, the Redis cache in full mode."""
        with self._lock:
            if "market_data" not in self.services:
                self.services["market_data"] = self._make_market_data()
            return self.services["market_data"]

    def _make_market_data(self) -> MarketData:
        from app.marketdata import ServiceMarketData

        broker = self.broker()
        service = getattr(broker, "service", None)
        if service is not None:
            return ServiceMarketData(service)
        from workers.recorder.cache import MemoryMarketCache, RedisMarketCache

        if self.settings.redis_url:
            return RedisMarketCache(self.settings.redis_url, engine=self.engine)
        return MemoryMarketCache(self.engine)

    def close(self) -> None:
        """Stop what this runtime started (market thread, scheduler, broker connections)."""
        for name in ("live_hub", "scheduler", "broker"):
            svc = self.services.pop(name, None)
            stop = getattr(svc, "stop", None) or getattr(svc, "close", None)
            if stop:
                stop()


_runtime: Runtime | None = None


def init_runtime(settings: Settings | None = None, owns_market: bool = False) -> Runtime:
    """Create (or replace) the process runtime for these settings."""
    global _runtime
    if _runtime is not None:
        _runtime.close()
    settings = settings or get_settings()
    _runtime = Runtime(settings=settings, engine=get_engine(settings.database_url), owns_market=owns_market)
    return _runtime


def runtime() -> Runtime:
    """The current runtime; initialises from the environment on first use."""
    return _runtime or init_runtime()
