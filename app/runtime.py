"""This process's services for the web app and the CLI: the composition root's ``Container``.

Built once by ``init_runtime`` (the app factory or a CLI command); pages and commands call ``runtime()``
for the settings, the engine, the order gateway (``runtime().gateway()``) and account reads
(``runtime().reader(account)``), and ``market_data()`` for quotes, books and the ranking.
"""

from __future__ import annotations

from services.container import Container, Kind
from services.market_data import MarketData
from trading.config import Settings, get_settings

_runtime: Container | None = None


def init_runtime(settings: Settings | None = None, kind: Kind = "web") -> Container:
    """Create (or replace) the process container for these settings."""
    global _runtime
    if _runtime is not None:
        _runtime.close()
    _runtime = Container(settings or get_settings(), kind)
    return _runtime


def runtime() -> Container:
    """The current container; initialises from the environment on first use."""
    return _runtime or init_runtime()


def market_data() -> MarketData:
    """Quotes, books, rankings and intraday bars for the pages (see services/market_data.py)."""
    return runtime().market_data()
