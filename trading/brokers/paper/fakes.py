"""A static market and a settable clock for exchange tests and tools (no simulator needed)."""

from __future__ import annotations

from datetime import date, datetime, time

from trading.domain import KST, BookLevel, Market, OrderBook
from trading.krx import Phase, move_ticks, price_limits


class StaticMarket:
    """Stocks with a fixed previous close and a book you set (or a default one around ``last``)."""

    def __init__(self, day: date, stocks: dict[str, tuple[Market, int]], depth: int = 1_000):
        self.day = day
        self.depth = depth
        self.index = {code: i for i, code in enumerate(stocks)}
        self._market = {c: m for c, (m, _) in stocks.items()}
        self._prev = {c: p for c, (_, p) in stocks.items()}
        self._last = dict(self._prev)
        self._books: dict[str, OrderBook] = {}

    def has(self, code: str) -> bool:
        return code in self.index

    def market(self, code: str) -> Market:
        return self._market[code]

    def limits(self, code: str) -> tuple[int, int]:
        return price_limits(self._prev[code], self.day, self._market[code])

    def last_price(self, code: str) -> int:
        return self._last[code]

    def set_last(self, code: str, price: int) -> None:
        self._last[code] = price
        self._books.pop(code, None)

    def set_book(self, code: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        t = datetime.combine(self.day, time(9, 0), KST)
        self._books[code] = OrderBook(
            code, tuple(BookLevel(p, q) for p, q in asks), tuple(BookLevel(p, q) for p, q in bids), t
        )

    def order_book(self, code: str) -> OrderBook:
        book = self._books.get(code)
        if book is not None:
            return book
        upper, lower = self.limits(code)
        bid = min(max(self._last[code], lower), move_ticks(upper, -1, self.day, self._market[code]))
        asks, bids = [], []
        a, b = move_ticks(bid, 1, self.day), bid
        for _ in range(10):
            if a <= upper:
                asks.append(BookLevel(a, self.depth))
                a = move_ticks(a, 1, self.day)
            if b >= lower:
                bids.append(BookLevel(b, self.depth))
                b = move_ticks(b, -1, self.day) if b > 1 else 0
        return OrderBook(code, tuple(asks), tuple(bids), datetime.combine(self.day, time(9, 0), KST))


class ManualClock:
    """A clock you move by hand; ``phase`` is whatever you set."""

    def __init__(self, now: datetime, phase: Phase = Phase.CONTINUOUS):
        self.t = now
        self.current_phase = phase

    def now(self) -> datetime:
        return self.t

    def session_date(self) -> date:
        return self.t.astimezone(KST).date()

    def phase(self) -> Phase:
        return self.current_phase
