"""Support for the dashboard tests: an app whose embedded paper market is running.

Uses the lead's ``paper_dash_app`` fixture when tests/conftest.py provides it; until then it wires a
MarketService + PaperBroker into the runtime itself (``runtime().broker()`` and ``market_data()``).
"""

from __future__ import annotations

from app.marketdata import ServiceMarketData


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
