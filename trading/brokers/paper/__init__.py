"""The paper broker: a matching engine over the simulated KRX market."""

from trading.brokers.paper.exchange import PaperExchange
from trading.brokers.paper.store import (
    AccountState,
    MemoryStore,
    OrderRecord,
    PaperStore,
    PositionRecord,
    StoreEvent,
)

__all__ = [
    "AccountState",
    "MemoryStore",
    "OrderRecord",
    "PaperExchange",
    "PaperStore",
    "PositionRecord",
    "StoreEvent",
]
