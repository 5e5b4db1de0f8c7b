from datetime import UTC, date, datetime, time

import pytest

from trading.domain import KST
from trading.krx.calendar import (
    CSAT_DAYS,
    XKRX_EXTRA_CLOSURES,
    is_krx_session,
    is_nyse_session,
    krx_session_bounds,
    krx_sessions,
    last_us_session_before,
    next_krx_session,
    next_nyse_session,
    nyse_session_close,
    nyse_sessions,
    prev_krx_session,
    prev_nyse_session,
)


def kst(d: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(d, time(h, m), KST)


def test_constants() -> None:
    assert {date(2026, 6, 3), date(2026, 7, 17)} == XKRX_EXTRA_CLOSURES
    assert set(CSAT_DAYS) == {date(2024, 11, 14), date(2025, 11, 13), date(2026, 11, 19)}


@pytest.mark.parametrize("d", [date(2026, 6, 3), date(2026, 7, 17)])
def test_project_extra_closures(d: date) -> None:
    assert not is_krx_session(d)
    assert d not in krx_sessions(date(2026, 6, 1), date(2026, 7, 31))
    with pytest.raises(ValueError):
        krx_session_bounds(d)


def test_extra_closures_in_navigation() -> None:
    assert next_krx_session(date(2026, 6, 2)) == date(2026, 6, 4)
    assert prev_krx_session(date(2026, 6, 4)) == date(2026, 6, 2)
    assert next_krx_session(date(2026, 7, 16)) == date(2026, 7, 20)
    assert prev_krx_session(date(2026, 7, 20)) == date(2026, 7, 16)


@pytest.mark.parametrize(
    "d",
    [
        date(2025, 1, 1),
        date(2025, 1, 28),  # Seollal
        date(2025, 6, 3),  # presidential election
        date(2025, 10, 7),  # Chuseok
        date(2025, 12, 25),
        date(2025, 12, 31),  # year-end closure
        date(2026, 1, 1),
        date(2026, 2, 17),
        date(2026, 5, 5),
        date(2026, 9, 24),
        date(2026, 12, 31),
        date(2026, 1, 3),  # Saturday
        date(2026, 1, 4),  # Sunday
    ],
)
def test_kr_holidays(d: date) -> None:
    assert not is_krx_session(d)


@pytest.mark.parametrize("d", [date(2025, 12, 29), date(2025, 12, 30), date(2026, 1, 2), date(2026, 6, 4)])
def test_kr_sessions(d: date) -> None:
    assert is_krx_session(d)


def test_krx_sessions_window() -> None:
    sessions = krx_sessions(date(2025, 12, 24), date(2026, 1, 5))
    assert sessions == [
        date(2025, 12, 24),
        date(2025, 12, 26),
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2026, 1, 2),
        date(2026, 1, 5),
    ]
    assert krx_sessions(date(2026, 1, 3), date(2026, 1, 4)) == []
    assert krx_sessions(date(2026, 1, 5), date(2026, 1, 2)) == []


def test_next_prev_krx() -> None:
    assert next_krx_session(date(2025, 12, 30)) == date(2026, 1, 2)
    assert prev_krx_session(date(2026, 1, 2)) == date(2025, 12, 30)
    assert next_krx_session(date(2026, 1, 2), include_self=True) == date(2026, 1, 2)
    assert prev_krx_session(date(2026, 1, 2), include_self=True) == date(2026, 1, 2)
    assert next_krx_session(date(2026, 1, 3), include_self=True) == date(2026, 1, 5)
    assert prev_krx_session(date(2026, 1, 4), include_self=True) == date(2026, 1, 2)
    assert next_krx_session(date(2026, 1, 5)) == date(2026, 1, 6)


@pytest.mark.parametrize(
    ("d", "open_", "close"),
    [
        (date(2026, 1, 5), (9, 0), (15, 30)),
        (date(2026, 1, 2), (10, 0), (15, 30)),  # first session of the year
        (date(2025, 1, 2), (10, 0), (15, 30)),
        (date(2027, 1, 4), (10, 0), (15, 30)),
        (date(2026, 11, 19), (10, 0), (16, 30)),  # CSAT (project correction)
        (date(2025, 11, 13), (10, 0), (16, 30)),
        (date(2024, 11, 14), (10, 0), (16, 30)),
        (date(2020, 12, 3), (10, 0), (16, 30)),  # CSAT modelled by exchange_calendars
        (date(2026, 11, 20), (9, 0), (15, 30)),
        (date(2015, 3, 3), (9, 0), (15, 0)),  # before the 15:30 close (2016-08-01)
    ],
)
def test_krx_session_bounds(d: date, open_: tuple[int, int], close: tuple[int, int]) -> None:
    o, c = krx_session_bounds(d)
    assert (o, c) == (kst(d, *open_), kst(d, *close))
    assert o.tzinfo is not None and o.utcoffset() == c.utcoffset() == KST.utcoffset(o)


def test_bounds_on_non_session() -> None:
    with pytest.raises(ValueError):
        krx_session_bounds(date(2026, 1, 1))


@pytest.mark.parametrize("d", [date(2004, 12, 31), date(2031, 1, 2)])
def test_outside_calendar_range(d: date) -> None:
    with pytest.raises(ValueError):
        is_krx_session(d)
    with pytest.raises(ValueError):
        is_nyse_session(d)


def test_nyse_sessions() -> None:
    assert not is_nyse_session(date(2026, 11, 26))  # Thanksgiving
    assert is_nyse_session(date(2026, 11, 27))
    assert not is_nyse_session(date(2025, 1, 9))  # national day of mourning
    assert not is_nyse_session(date(2026, 1, 19))  # MLK day
    assert is_nyse_session(date(2026, 6, 3))  # a KRX-only holiday
    assert nyse_sessions(date(2026, 11, 24), date(2026, 11, 30)) == [
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    assert prev_nyse_session(date(2026, 11, 27)) == date(2026, 11, 25)
    assert prev_nyse_session(date(2026, 11, 27), include_self=True) == date(2026, 11, 27)
    assert next_nyse_session(date(2026, 11, 25)) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("d", "close_utc"),
    [
        (date(2026, 11, 25), datetime(2026, 11, 25, 21, 0, tzinfo=UTC)),  # 16:00 EST
        (date(2026, 11, 27), datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),  # early close 13:00 EST
        (date(2026, 7, 2), datetime(2026, 7, 2, 20, 0, tzinfo=UTC)),  # 16:00 EDT
        (date(2025, 12, 24), datetime(2025, 12, 24, 18, 0, tzinfo=UTC)),  # early close
    ],
)
def test_nyse_close(d: date, close_utc: datetime) -> None:
    assert nyse_session_close(d) == close_utc


def test_nyse_close_non_session() -> None:
    with pytest.raises(ValueError):
        nyse_session_close(date(2026, 11, 26))


@pytest.mark.parametrize(
    ("krx_day", "us_day"),
    [
        (date(2026, 1, 5), date(2026, 1, 2)),  # Monday → Friday
        (date(2026, 11, 23), date(2026, 11, 20)),  # Monday → Friday (EST)
        (date(2026, 6, 8), date(2026, 6, 5)),  # Monday → Friday (EDT)
        (date(2026, 1, 6), date(2026, 1, 5)),  # Tuesday → Monday
        (date(2026, 11, 27), date(2026, 11, 25)),  # Thanksgiving 11-26 skipped
        (date(2026, 11, 26), date(2026, 11, 25)),
        (date(2026, 1, 20), date(2026, 1, 16)),  # MLK day 01-19 skipped
        (date(2026, 1, 2), date(2025, 12, 31)),  # 10:00 open; NYSE 01-01 closed
        (date(2026, 11, 19), date(2026, 11, 18)),  # CSAT
    ],
)
def test_last_us_session_before(krx_day: date, us_day: date) -> None:
    open_, _ = krx_session_bounds(krx_day)
    assert last_us_session_before(open_) == us_day
    assert nyse_session_close(us_day) < open_


def test_last_us_session_before_is_strict() -> None:
    close = nyse_session_close(date(2026, 11, 25))
    assert last_us_session_before(close) == date(2026, 11, 24)
    assert last_us_session_before(close.astimezone(KST).replace(microsecond=1)) == date(2026, 11, 25)


def test_last_us_session_before_needs_aware() -> None:
    with pytest.raises(ValueError):
        last_us_session_before(datetime(2026, 1, 5, 9, 0))
