"""Market clocks: the real KRX calendar, or a looping demo session that is always open."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol

from trading.domain import KST
from trading.krx import (
    Phase,
    is_krx_session,
    krx_session_bounds,
    next_krx_session,
    phase_at,
    prev_krx_session,
)

CLOSING_AUCTION = timedelta(minutes=10)


class Clock(Protocol):
    def now(self) -> datetime: ...  # KST-aware
    def session_date(self) -> date: ...
    def phase(self) -> Phase: ...


class RealClock:
    """Wall time on the XKRX calendar: outside the session phases the market is CLOSED."""

    def __init__(self, wall: Callable[[], datetime] | None = None):
        self._wall = wall or (lambda: datetime.now(KST))

    def now(self) -> datetime:
        return self._wall().astimezone(KST)

    def session_date(self) -> date:
        """Today if KRX trades today, else the last session."""
        today = self.now().date()
        return today if is_krx_session(today) else prev_krx_session(today)

    def phase(self) -> Phase:
        return phase_at(self.now())


class DemoClock:
    """Simulated time that loops over regular sessions, so the market is open whenever the app runs.

    Simulated seconds = wall seconds × ``speed``. The first simulated day is the date of ``start``
    (a KST datetime inside a session; default: today's open if KRX trades today, else the NEXT
    session's open, so it never overlaps a demo history that ends at the last session before today).
    When a session reaches its close the next KRX session begins at its open (the simulator carries
    the last close over as the new previous close). Phases: CONTINUOUS, then CLOSING_AUCTION for the
    last 10 minutes.
    """

    def __init__(
        self, speed: float = 1.0, start: datetime | None = None, wall: Callable[[], float] | None = None
    ):
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._wall = wall or time.monotonic
        if start is None:
            today = datetime.now(KST).date()
            first = today if is_krx_session(today) else next_krx_session(today)
            start = krx_session_bounds(first)[0]
        start = start.astimezone(KST)
        day = start.date()
        if not is_krx_session(day):
            raise ValueError(f"{day} is not a KRX session")
        open_, close = krx_session_bounds(day)
        if not open_ <= start < close:
            raise ValueError(f"start {start} is outside the session {open_}..{close}")
        self._anchor = self._wall()
        self._offset0 = (start - open_).total_seconds()
        # The current day, replaced as one tuple (thread-safe without a lock):
        # (day, open, close, simulated seconds at its open).
        self._state = (day, open_, close, 0.0)

    def _current(self) -> tuple[datetime, date, datetime]:
        """(now, session date, session close)."""
        elapsed = (self._wall() - self._anchor) * self.speed + self._offset0
        day, open_, close, day_start = self._state
        while elapsed - day_start >= (close - open_).total_seconds():
            day_start += (close - open_).total_seconds()
            day = next_krx_session(day)
            open_, close = krx_session_bounds(day)
            self._state = (day, open_, close, day_start)
        return open_ + timedelta(seconds=elapsed - day_start), day, close

    def now(self) -> datetime:
        return self._current()[0]

    def session_date(self) -> date:
        return self._current()[1]

    def phase(self) -> Phase:
        now, _, close = self._current()
        return Phase.CLOSING_AUCTION if now >= close - CLOSING_AUCTION else Phase.CONTINUOUS
