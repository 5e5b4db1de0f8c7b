from datetime import UTC, date, datetime, time

import pytest

from trading.domain import KST
from trading.krx.sessions import NXT_SESSIONS, Phase, phase_at

P = Phase
REGULAR = date(2026, 1, 6)
FIRST = date(2026, 1, 2)  # 10:00 open
CSAT = date(2026, 11, 19)  # 10:00–16:30


def at(d: date, h: int, m: int = 0, s: int = 0) -> datetime:
    return datetime.combine(d, time(h, m, s), KST)


@pytest.mark.parametrize(
    ("hm", "phase"),
    [
        ((0, 0), P.CLOSED),
        ((8, 29, 59), P.CLOSED),
        ((8, 30), P.PRE_OPEN_AUCTION),
        ((8, 59, 59), P.PRE_OPEN_AUCTION),
        ((9, 0), P.CONTINUOUS),
        ((15, 19, 59), P.CONTINUOUS),
        ((15, 20), P.CLOSING_AUCTION),
        ((15, 29, 59), P.CLOSING_AUCTION),
        ((15, 30), P.CLOSED),
        ((15, 39, 59), P.CLOSED),
        ((15, 40), P.POST_CLOSE),
        ((15, 59, 59), P.POST_CLOSE),
        ((16, 0), P.AFTER_HOURS_SINGLE),
        ((17, 59, 59), P.AFTER_HOURS_SINGLE),
        ((18, 0), P.CLOSED),
        ((23, 59), P.CLOSED),
    ],
)
def test_regular_day(hm: tuple[int, ...], phase: Phase) -> None:
    assert phase_at(at(REGULAR, *hm)) is phase


@pytest.mark.parametrize(
    ("hm", "phase"),
    [
        ((8, 30), P.CLOSED),
        ((9, 0), P.CLOSED),
        ((9, 29, 59), P.CLOSED),
        ((9, 30), P.PRE_OPEN_AUCTION),
        ((10, 0), P.CONTINUOUS),
        ((15, 20), P.CLOSING_AUCTION),
        ((15, 40), P.POST_CLOSE),
        ((16, 0), P.AFTER_HOURS_SINGLE),
        ((18, 0), P.CLOSED),
    ],
)
def test_first_session_of_year(hm: tuple[int, ...], phase: Phase) -> None:
    assert phase_at(at(FIRST, *hm)) is phase


@pytest.mark.parametrize(
    ("hm", "phase"),
    [
        ((9, 0), P.CLOSED),
        ((9, 30), P.PRE_OPEN_AUCTION),
        ((10, 0), P.CONTINUOUS),
        ((16, 19, 59), P.CONTINUOUS),
        ((16, 20), P.CLOSING_AUCTION),
        ((16, 30), P.CLOSED),
        ((16, 40), P.POST_CLOSE),
        ((17, 0), P.AFTER_HOURS_SINGLE),
        ((18, 59), P.AFTER_HOURS_SINGLE),
        ((19, 0), P.CLOSED),
    ],
)
def test_csat_day_shifted_by_one_hour(hm: tuple[int, ...], phase: Phase) -> None:
    assert phase_at(at(CSAT, *hm)) is phase


@pytest.mark.parametrize(
    "d",
    [date(2026, 1, 1), date(2026, 1, 3), date(2026, 6, 3), date(2026, 7, 17), date(2025, 12, 31)],
)
def test_non_session_days_closed(d: date) -> None:
    for h in (8, 10, 15, 16):
        assert phase_at(at(d, h, 45)) is P.CLOSED


def test_aware_other_timezone_and_naive() -> None:
    # 2026-01-06 01:00 UTC = 10:00 KST
    assert phase_at(datetime(2026, 1, 6, 1, 0, tzinfo=UTC)) is P.CONTINUOUS
    # 2026-01-05 23:45 UTC = 2026-01-06 08:45 KST
    assert phase_at(datetime(2026, 1, 5, 23, 45, tzinfo=UTC)) is P.PRE_OPEN_AUCTION
    assert phase_at(datetime(2026, 1, 6, 15, 25)) is P.CLOSING_AUCTION  # naive = KST


def test_nxt_table() -> None:
    names = [s.name for s in NXT_SESSIONS]
    assert names == [
        "pre_market",
        "halt_opening_auction",
        "main_market",
        "halt_closing_auction",
        "after_market",
    ]
    assert NXT_SESSIONS[0].start == time(8, 0)
    assert NXT_SESSIONS[2].start == time(9, 0, 30)
    assert NXT_SESSIONS[-1].end == time(20, 0)
    for a, b in zip(NXT_SESSIONS, NXT_SESSIONS[1:], strict=False):
        assert a.start < a.end == b.start
