"""Kiwoom REST API adapter: ``KiwoomBroker.from_settings(settings)``."""

from trading.brokers.kiwoom.broker import KiwoomBroker
from trading.brokers.kiwoom.options import KiwoomOptions

__all__ = ["KiwoomBroker", "KiwoomOptions"]
