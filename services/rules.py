"""The market rules the gateway validates against: the simulated market, or a broker's quotes."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime

from trading.brokers.base import Broker
from trading.brokers.errors import BrokerError, OrderRejected
from trading.domain import Market, Quote
from trading.krx import Phase
from trading.market.clock import Clock
from trading.market.service import MarketService


class PaperRules:
    """The simulated market: its codes, limits, last prices and demo (or real) clock."""

    def __init__(self, service: MarketService):
        self.service = service

    def market_of(self, code: str) -> Market | None:
        sim = self.service.sim
        return sim.market(code) if sim.has(code) else None

    def is_etf(self, code: str) -> bool:
        return False  # the paper exchange prices every listed code on the stock grid

    # Lock-free reads: the limits change only when a session rolls over, and the exchange checks the
    # price against them again under the market lock; taking the lock here would queue every order's
    # validation behind the market's steps and the exchange's commits.
    def limits(self, code: str) -> tuple[int, int] | None:
        return self.service.sim.limits(code)

    def last_price(self, code: str) -> int | None:
        return self.service.sim.last_price(code)

    def now(self) -> datetime:
        return self.service.clock.now()

    def phase(self) -> Phase:
        return self.service.clock.phase()


class BrokerRules:
    """A KIS/Kiwoom account: codes from the stock master, limits and prices from the broker's quote
    (cached ``quote_ttl_s``), sessions from the XKRX calendar."""

    def __init__(
        self,
        broker: Broker,
        master: Mapping[str, tuple[Market, bool]],
        clock: Clock,
        quote_ttl_s: float = 2.0,
    ):
        self.broker = broker
        self.master = master
        self.clock = clock
        self.quote_ttl_s = quote_ttl_s
        self._quotes: dict[str, tuple[float, Quote]] = {}
        self._lock = threading.Lock()

    def _quote(self, code: str) -> Quote | None:
        with self._lock:
            hit = self._quotes.get(code)
        if hit is not None and time.monotonic() - hit[0] < self.quote_ttl_s:
            return hit[1]
        try:
            q = self.broker.quote(code)
        except OrderRejected:
            return None
        except BrokerError:
            return None
        with self._lock:
            self._quotes[code] = (time.monotonic(), q)
        return q

    def market_of(self, code: str) -> Market | None:
        hit = self.master.get(code)
        return hit[0] if hit else None

    def is_etf(self, code: str) -> bool:
        hit = self.master.get(code)
        return bool(hit and hit[1])

    def limits(self, code: str) -> tuple[int, int] | None:
        q = self._quote(code)
        if q is None or q.upper_limit <= 0 or q.lower_limit <= 0:
            return None
        return q.upper_limit, q.lower_limit

    def last_price(self, code: str) -> int | None:
        q = self._quote(code)
        return q.price if q is not None and q.price > 0 else None

    def now(self) -> datetime:
        return self.clock.now()

    def phase(self) -> Phase:
        return self.clock.phase()


class SessionUnchecked:
    """A clock whose phase is always continuous: the gateway leaves trading hours to the broker
    (``ORDER_SESSION_CHECK=off``)."""

    def __init__(self, clock: Clock):
        self.clock = clock

    def now(self) -> datetime:
        return self.clock.now()

    def session_date(self):  # noqa: ANN201 - datetime.date
        return self.clock.session_date()

    def phase(self) -> Phase:
        return Phase.CONTINUOUS
