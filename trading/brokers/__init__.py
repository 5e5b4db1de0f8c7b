"""Brokers behind one protocol: paper (simulated KRX), KIS, Kiwoom REST."""

from trading.brokers.base import Broker, Channel, Subscription
from trading.brokers.errors import (
    AuthError,
    BrokerError,
    BrokerUnavailable,
    MarketClosed,
    OrderRejected,
    RateLimited,
    Reason,
)

__all__ = [
    "AuthError",
    "Broker",
    "BrokerError",
    "BrokerUnavailable",
    "Channel",
    "MarketClosed",
    "OrderRejected",
    "RateLimited",
    "Reason",
    "Subscription",
]
