"""Quarter lines (PRD §11.3): exact ints on the KRX tick grid, inside the day's range."""

from __future__ import annotations

from datetime import date

import pytest

from trading.domain import Market
from trading.krx import is_on_tick, tick_size
from trading.quarter_lines import quarter_lines

D = date(2026, 7, 1)


def test_simple_range_on_the_grid():
    ql = quarter_lines(70_000, 71_000, 69_000, on=D)
    assert (ql.high, ql.q3, ql.mid, ql.q1, ql.low, ql.open) == (
        71_000,
        70_500,
        70_000,
        69_500,
        69_000,
        70_000,
    )
    assert [k for k, _ in ql.levels()] == ["high", "q3", "mid", "q1", "low", "open"]


def test_rounding_to_nearest_tick_ties_up():
    # 2023 table: 50,000..200,000 → 100-won ticks. Range 1,000 → quarters 250: 50,250 is a tie → up.
    ql = quarter_lines(50_000, 51_000, 50_000, on=D)
    assert (ql.q1, ql.mid, ql.q3) == (50_300, 50_500, 50_800)
    assert all(isinstance(p, int) for _, p in ql.levels())


def test_across_a_tick_band_edge():
    # 1,990..2,010: ticks 1 below 2,000 and 5 from 2,000 (2023 table).
    ql = quarter_lines(2_000, 2_010, 1_990, on=D)
    assert ql.mid == 2_000
    assert ql.q1 == 1_995  # exact
    assert ql.q3 == 2_005  # exact
    for _, p in ql.levels():
        assert is_on_tick(p, D, Market.KOSDAQ)


@pytest.mark.parametrize(
    ("lo", "hi"), [(9_980, 10_050), (1_000, 1_003), (123_400, 131_900), (498_000, 512_000), (700, 700)]
)
def test_every_line_on_grid_ordered_and_within_range(lo, hi):
    ql = quarter_lines(lo, hi, lo, on=D, market="KOSDAQ")
    assert ql.low <= ql.q1 <= ql.mid <= ql.q3 <= ql.high
    for _, p in ql.levels():
        assert isinstance(p, int) and is_on_tick(p, D, Market.KOSDAQ)
    # Each line is the grid price nearest to the exact level.
    for k, p in ((1, ql.q1), (2, ql.mid), (3, ql.q3)):
        exact = lo + (hi - lo) * k / 4
        assert abs(p - exact) <= tick_size(max(p, int(exact)), D, Market.KOSDAQ) / 2


def test_flat_day_and_bad_input():
    ql = quarter_lines(700, 700, 700, on=D)
    assert {p for _, p in ql.levels()} == {700}
    with pytest.raises(ValueError):
        quarter_lines(100, 90, 100, on=D)


def test_etf_grid():
    ql = quarter_lines(10_000, 10_100, 10_000, on=D, etf=True)  # 5-won ETF ticks
    assert (ql.q1, ql.mid, ql.q3) == (10_025, 10_050, 10_075)
