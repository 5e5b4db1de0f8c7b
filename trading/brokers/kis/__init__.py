"""KIS (한국투자증권) Open API adapter: ``KisBroker.from_settings(settings)``."""

from trading.brokers.kis.broker import KisBroker, Orderable
from trading.brokers.kis.options import KisOptions

__all__ = ["KisBroker", "KisOptions", "Orderable"]
