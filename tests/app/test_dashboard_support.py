"""Support for the dashboard tests: an app whose embedded paper market is running.

Uses the lead's ``paper_dash_app`` fixture when tests/conftest.py provides it; until then it wires a
MarketService + PaperBroker into the runtime itself (``runtime().broker()`` and ``market_data()``).
"""

from __future__ import annotations

from datetime import datetime

from trading.domain import Bar, OrderBook, Quote, RankRow


class ServiceMarketData:
    """MarketData over an in-process MarketService (memory reads under the service lock)."""

    def __init__(self, service):  # noqa: ANN001
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

    def last_tick_age(self, code: str) -> float | None:
        with self.service.lock:
            q = self.service.sim.quote(code)
            now: datetime = self.service.clock.now()
        return max(0.0, (now - q.time).total_seconds()) if q.volume else None


def wire_paper_market(app, monkeypatch):  # noqa: ANN001, ANN201
    """Start a MarketService for ``app``'s runtime and route broker()/market_data() to it."""
    import app.marketdata as marketdata
    from app.runtime import Runtime, runtime
    from trading.brokers.paper.broker import PaperBroker
    from trading.market.service import MarketService

    rt = runtime()
    service = MarketService.from_settings(rt.settings)
    service.step()
    service.start()
    paper = PaperBroker(service)
    md = ServiceMarketData(service)
    monkeypatch.setattr(Runtime, "broker", lambda self: paper, raising=False)
    monkeypatch.setattr(marketdata, "market_data", lambda: md, raising=False)
    return service
