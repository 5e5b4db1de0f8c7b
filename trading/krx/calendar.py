"""Trading calendars: XKRX and XNYS from exchange_calendars, with project corrections.

exchange_calendars 4.13.2 is wrong for a few KRX days (see the research notes §5); the corrections
below are data, so fixing a new defect is one edit. Both calendars are built once with fixed bounds
(2005-01-01 .. 2030-12-31) so results never depend on today's date. Dates outside the bounds raise
ValueError.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

from trading.domain import KST

CALENDAR_START = date(2005, 1, 1)
CALENDAR_END = date(2030, 12, 31)

# KRX closures that exchange_calendars 4.13.2 still lists as sessions.
XKRX_EXTRA_CLOSURES: frozenset[date] = frozenset(
    {
        date(2026, 6, 3),  # local election day (upstream fix PR #574 merged, not released)
        date(2026, 7, 17),  # Constitution Day, a public holiday again from 2026 (upstream PR #583)
    }
)

# CSAT (수능) days: (open, close) in KST; the whole KRX day shifts by one hour.
# exchange_calendars models CSAT late opens only up to 2020. 2021-2023 exam days are missing
# from this table too (not in the research notes): add them here once verified.
CSAT_DAYS: dict[date, tuple[time, time]] = {
    date(2024, 11, 14): (time(10, 0), time(16, 30)),
    date(2025, 11, 13): (time(10, 0), time(16, 30)),
    date(2026, 11, 19): (time(10, 0), time(16, 30)),  # expected exam date, NOT verified
}


@dataclass(frozen=True, slots=True)
class _Calendar:
    sessions: tuple[date, ...]  # sorted
    opens: dict[date, datetime]
    closes: dict[date, datetime]
    tz: tzinfo

    def check(self, d: date) -> None:
        if not CALENDAR_START <= d <= CALENDAR_END:
            raise ValueError(f"{d} is outside the calendar range {CALENDAR_START}..{CALENDAR_END}")


def _build(name: str, tz: tzinfo, drop: frozenset[date]) -> _Calendar:
    import exchange_calendars as xc  # imported lazily: loading takes a moment

    cal = xc.get_calendar(name, start=CALENDAR_START.isoformat(), end=CALENDAR_END.isoformat())
    sched = cal.schedule
    days = [ts.date() for ts in sched.index]
    opens = [ts.to_pydatetime().astimezone(tz) for ts in sched["open"]]
    closes = [ts.to_pydatetime().astimezone(tz) for ts in sched["close"]]
    keep = [i for i, d in enumerate(days) if d not in drop]
    return _Calendar(
        sessions=tuple(days[i] for i in keep),
        opens={days[i]: opens[i] for i in keep},
        closes={days[i]: closes[i] for i in keep},
        tz=tz,
    )


@cache
def _xkrx() -> _Calendar:
    cal = _build("XKRX", KST, XKRX_EXTRA_CLOSURES)
    for d, (open_t, close_t) in CSAT_DAYS.items():
        if d in cal.opens:
            cal.opens[d] = datetime.combine(d, open_t, KST)
            cal.closes[d] = datetime.combine(d, close_t, KST)
    return cal


@cache
def _xnys() -> _Calendar:
    return _build("XNYS", UTC, frozenset())


def _is_session(cal: _Calendar, d: date) -> bool:
    cal.check(d)
    return d in cal.opens


def _sessions(cal: _Calendar, start: date, end: date) -> list[date]:
    cal.check(start)
    cal.check(end)
    lo = bisect.bisect_left(cal.sessions, start)
    hi = bisect.bisect_right(cal.sessions, end)
    return list(cal.sessions[lo:hi])


def _next(cal: _Calendar, d: date, include_self: bool) -> date:
    cal.check(d)
    i = bisect.bisect_left(cal.sessions, d) if include_self else bisect.bisect_right(cal.sessions, d)
    if i >= len(cal.sessions):
        raise ValueError(f"no session after {d} within the calendar range")
    return cal.sessions[i]


def _prev(cal: _Calendar, d: date, include_self: bool) -> date:
    cal.check(d)
    i = bisect.bisect_right(cal.sessions, d) if include_self else bisect.bisect_left(cal.sessions, d)
    if i == 0:
        raise ValueError(f"no session before {d} within the calendar range")
    return cal.sessions[i - 1]


# --- KRX ---------------------------------------------------------------------------------------


def is_krx_session(d: date) -> bool:
    """True if KRX trades on ``d`` (exchange_calendars XKRX minus XKRX_EXTRA_CLOSURES)."""
    return _is_session(_xkrx(), d)


def krx_sessions(start: date, end: date) -> list[date]:
    """KRX sessions from ``start`` to ``end``, both inclusive."""
    return _sessions(_xkrx(), start, end)


def next_krx_session(d: date, include_self: bool = False) -> date:
    """The first KRX session after ``d`` (or ``d`` itself if ``include_self`` and it is a session)."""
    return _next(_xkrx(), d, include_self)


def prev_krx_session(d: date, include_self: bool = False) -> date:
    """The last KRX session before ``d`` (or ``d`` itself if ``include_self`` and it is a session)."""
    return _prev(_xkrx(), d, include_self)


def krx_session_bounds(d: date) -> tuple[datetime, datetime]:
    """(open, close) of the KRX regular session on ``d`` as KST-aware datetimes.

    Normally 09:00–15:30 (15:00 close before 2016-08-01); 10:00 open on the first session of a
    year; 10:00–16:30 on CSAT days. ValueError if ``d`` is not a session.
    """
    cal = _xkrx()
    if not _is_session(cal, d):
        raise ValueError(f"{d} is not a KRX session")
    return cal.opens[d], cal.closes[d]


# --- NYSE --------------------------------------------------------------------------------------


def is_nyse_session(d: date) -> bool:
    """True if NYSE trades on ``d`` (New York date)."""
    return _is_session(_xnys(), d)


def nyse_sessions(start: date, end: date) -> list[date]:
    """NYSE sessions from ``start`` to ``end``, both inclusive."""
    return _sessions(_xnys(), start, end)


def next_nyse_session(d: date, include_self: bool = False) -> date:
    """The first NYSE session after ``d`` (or ``d`` itself if ``include_self`` and it is a session)."""
    return _next(_xnys(), d, include_self)


def prev_nyse_session(d: date, include_self: bool = False) -> date:
    """The last NYSE session before ``d`` (or ``d`` itself if ``include_self`` and it is a session)."""
    return _prev(_xnys(), d, include_self)


def nyse_session_close(d: date) -> datetime:
    """Close of the NYSE session on ``d`` as a UTC-aware datetime (early closes included)."""
    cal = _xnys()
    if not _is_session(cal, d):
        raise ValueError(f"{d} is not an NYSE session")
    return cal.closes[d]


def last_us_session_before(krx_open: datetime) -> date:
    """The last NYSE session whose close is strictly before the instant ``krx_open`` (aware)."""
    if krx_open.tzinfo is None:
        raise ValueError("krx_open must be timezone-aware")
    cal = _xnys()
    # The NYSE session dated on the UTC date of the instant (or later) closes after it,
    # except possibly that very date; start there and walk back.
    d = prev_nyse_session(krx_open.astimezone(UTC).date() + timedelta(days=1), include_self=True)
    while cal.closes[d] >= krx_open:
        d = prev_nyse_session(d)
    return d
