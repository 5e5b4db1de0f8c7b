from datetime import date
from fractions import Fraction

import pytest

from trading.domain import Market
from trading.krx.limits import limit_rate, price_limits, within_limits
from trading.krx.ticks import is_on_tick, round_to_tick, tick_size

NEW = date(2024, 6, 3)
OLD = date(2020, 6, 3)
PRE_2015 = date(2014, 6, 2)


@pytest.mark.parametrize(
    ("base", "upper", "lower"),
    [
        (239_000, 310_500, 167_500),  # lower is not 0.7×base rounded to its own band (167,300)
        (24_250, 31_500, 17_000),
        (19_990, 25_950, 14_000),
    ],
)
def test_reference_examples(base: int, upper: int, lower: int) -> None:
    assert price_limits(base, NEW) == (upper, lower)
    assert price_limits(base, NEW, Market.KOSDAQ) == (upper, lower)


# 2023 table, a base in every band (hand-computed with the 3-step rule).
@pytest.mark.parametrize(
    ("base", "upper", "lower"),
    [
        (1, 1, 1),  # width 0.3 → 0
        (10, 13, 7),
        (1_000, 1_300, 700),
        (1_999, 2_595, 1_400),  # width 599.7→599; 2,598 → cut to tick 5 → 2,595
        (2_000, 2_600, 1_400),
        (3_335, 4_335, 2_335),  # width 1,000.5 → 1,000
        (4_995, 6_490, 3_500),  # width 1,498.5 → 1,495; 6,490 tick 10
        (5_000, 6_500, 3_500),
        (15_550, 20_200, 10_890),  # width 4,665 → 4,660; 20,210 → tick 50 → 20,200
        (19_990, 25_950, 14_000),
        (20_000, 26_000, 14_000),
        (38_500, 50_000, 26_950),  # width 11,550; 50,050 → cut to the 100-won tick → 50,000
        (49_950, 64_900, 35_000),  # width 14,985 → 14,950
        (50_000, 65_000, 35_000),
        (160_000, 208_000, 112_000),
        (199_900, 259_500, 140_000),  # width 59,970 → 59,900; 259,800 → tick 500 → 259,500
        (200_000, 260_000, 140_000),
        (400_000, 520_000, 280_000),
        (499_500, 649_000, 350_000),  # width 149,850 → 149,500; 649,000
        (500_000, 650_000, 350_000),
        (1_234_000, 1_604_000, 864_000),  # width 370,200 → 370,000
    ],
)
def test_limits_every_band_2023(base: int, upper: int, lower: int) -> None:
    assert price_limits(base, NEW) == (upper, lower)


@pytest.mark.parametrize(
    ("base", "market", "upper", "lower"),
    [
        (150_000, Market.KOSPI, 195_000, 105_000),
        (123_400, Market.KOSDAQ, 160_400, 86_400),  # KOSDAQ tick 100: width 37,020 → 37,000
        (123_500, Market.KOSPI, 160_500, 86_500),  # KOSPI tick 500: width 37,050 → 37,000
        (9_990, Market.KOSPI, 12_950, 7_000),  # width 2,997 → 2,990; 12,980 → tick 50 → 12,950
        (999, Market.KOSDAQ, 1_295, 700),  # width 299.7 → 299; 1,298 → tick 5 → 1,295
    ],
)
def test_limits_old_table(base: int, market: Market, upper: int, lower: int) -> None:
    assert price_limits(base, OLD, market) == (upper, lower)


@pytest.mark.parametrize(
    ("base", "upper", "lower"),
    [
        (10_000, 11_500, 8_500),
        (239_000, 274_500, 203_500),  # width 35,850 → 35,500
        (19_950, 22_900, 17_000),  # old table tick 50: width 2,992.5 → 2,950
        (4_995, 5_740, 4_250),  # width 749.25 → 745; 5,740 (tick 10)
        (1_000, 1_150, 850),
    ],
)
def test_limits_pre_2015_15pct(base: int, upper: int, lower: int) -> None:
    assert price_limits(base, PRE_2015) == (upper, lower)
    assert price_limits(base, date(2015, 6, 12)) == (upper, lower)


def test_rate_switch_and_konex() -> None:
    assert limit_rate(date(2015, 6, 12)) == Fraction(15, 100)
    assert limit_rate(date(2015, 6, 15)) == Fraction(30, 100)
    assert limit_rate(NEW, Market.KOSDAQ) == Fraction(30, 100)
    assert limit_rate(NEW, Market.KONEX) == Fraction(15, 100)
    assert limit_rate(PRE_2015, Market.KONEX) == Fraction(15, 100)
    assert price_limits(10_000, NEW, Market.KONEX) == (11_500, 8_500)
    assert price_limits(10_000, date(2015, 6, 15)) == (13_000, 7_000)


def test_etf_limits_use_etf_ticks() -> None:
    assert price_limits(10_005, NEW, etf=True) == (13_005, 7_005)  # width 3,001.5 → 3,000 (tick 5)
    assert price_limits(1_999, NEW, etf=True) == (2_595, 1_400)


@pytest.mark.parametrize(
    "raw", [1, 7, 999, 1_000, 1_999, 2_000, 4_995, 5_000, 9_990, 10_000, 19_990, 20_000, 49_950, 50_000,
            99_900, 100_000, 199_900, 200_000, 499_500, 500_000, 2_000_000],
)  # fmt: skip
@pytest.mark.parametrize("market", [Market.KOSPI, Market.KOSDAQ])
@pytest.mark.parametrize("on", [NEW, OLD, PRE_2015])
def test_limits_on_grid_and_ordered(raw: int, market: Market, on: date) -> None:
    base = round_to_tick(raw, "down", on, market)  # bases are grid prices
    upper, lower = price_limits(base, on, market)
    assert 0 < lower <= base <= upper
    assert is_on_tick(upper, on, market) and is_on_tick(lower, on, market)
    rate = limit_rate(on, market)
    assert upper <= base + base * rate < upper + tick_size(upper, on, market) + tick_size(base, on, market)
    assert base - base * rate <= lower < base - base * rate + tick_size(base, on, market)


def test_within_limits() -> None:
    assert within_limits(310_500, 239_000, NEW)
    assert within_limits(167_500, 239_000, NEW)
    assert not within_limits(311_000, 239_000, NEW)
    assert not within_limits(167_000, 239_000, NEW)


@pytest.mark.parametrize("base", [0, -100])
def test_bad_base(base: int) -> None:
    with pytest.raises(ValueError):
        price_limits(base, NEW)
