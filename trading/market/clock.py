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
MAX_SPEED = 1000.0  # the demo clock's fastest speed (MARKET_SPEED's upper bound)


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


def first_demo_open() -> datetime:
    """The open a new demo session starts from: today's if KRX trades today, else the next session's."""
    today = datetime.now(KST).date()
    first = today if is_krx_session(today) else next_krx_session(today)
    return krx_session_bounds(first)[0]


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
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be > 0 and <= {MAX_SPEED:g}")
        self._wall = wall or time.monotonic
        start = (start or first_demo_open()).astimezone(KST)
        day = start.date()
        if not is_krx_session(day):
            raise ValueError(f"{day} is not a KRX session")
        open_, close = krx_session_bounds(day)
        if not open_ <= start < close:
            raise ValueError(f"start {start} is outside the session {open_}..{close}")
        # (wall anchor, simulated seconds since the first open at the anchor, speed), replaced as one
        # tuple so a speed change is atomic for readers.
        self._base = (self._wall(), (start - open_).total_seconds(), float(speed))
        # The current day, replaced as one tuple (thread-safe without a lock):
        # (day, open, close, simulated seconds at its open).
        self._state = (day, open_, close, 0.0)

    def _current(self) -> tuple[datetime, date, datetime]:
        """(now, session date, session close)."""
        anchor, offset0, speed = self._base
        elapsed = (self._wall() - anchor) * speed + offset0
        day, open_, close, day_start = self._state
        while elapsed - day_start >= (close - open_).total_seconds():
            day_start += (close - open_).total_seconds()
            day = next_krx_session(day)
            open_, close = krx_session_bounds(day)
            self._state = (day, open_, close, day_start)
        return open_ + timedelta(seconds=elapsed - day_start), day, close

    def now(self) -> datetime:
        return self._current()[0]

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` from now on: simulated time continues from where it is, without a jump."""
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be > 0 and <= {MAX_SPEED:g}")
        wall = self._wall()
        anchor, offset0, old = self._base
        self._base = (wall, (wall - anchor) * old + offset0, float(speed))

    @property
    def speed(self) -> float:
        """Simulated seconds per wall second."""
        return self._base[2]

    def session_date(self) -> date:
        return self._current()[1]

    def phase(self) -> Phase:
        now, _, close = self._current()
        return Phase.CLOSING_AUCTION if now >= close - CLOSING_AUCTION else Phase.CONTINUOUS
