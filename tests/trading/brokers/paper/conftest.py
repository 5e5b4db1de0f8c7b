from datetime import date, datetime

import pytest

from trading.brokers.paper.exchange import PaperExchange
from trading.brokers.paper.fakes import ManualClock, StaticMarket
from trading.brokers.paper.store import MemoryStore
from trading.domain import KST, Market

DAY = date(2026, 11, 23)
STOCKS = {
    "005930": (Market.KOSPI, 70_000),  # tick 100, limits 91,000 / 49,000
    "035720": (Market.KOSDAQ, 1_990),  # tick 1 below 2,000
}


@pytest.fixture
def market() -> StaticMarket:
    return StaticMarket(DAY, dict(STOCKS))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(100_000_000)


@pytest.fixture
def ex(market, clock, store) -> PaperExchange:
    return PaperExchange(market, clock, store)
