from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.domain import Market
from trading.krx.ticks import (
    ETF_TICK_SWITCH,
    TICKS_2010_KOSDAQ,
    TICKS_2010_KOSPI,
    TICKS_2023,
    is_on_tick,
    move_ticks,
    round_to_tick,
    tick_size,
    tick_table,
    ticks_between,
)

NEW = date(2024, 6, 3)
OLD = date(2020, 6, 3)
PRE_2010 = date(2008, 3, 4)
ETF_OLD = date(2023, 6, 1)
ETF_NEW = date(2024, 6, 3)


def edges(bands: tuple[tuple[int | None, int], ...]) -> list[tuple[int, int]]:
    """(price, expected tick) at 1, and just below / at / just above every band boundary."""
    cases = [(1, bands[0][1])]
    for (hi, tick), (_, next_tick) in zip(bands, bands[1:], strict=False):
        assert hi is not None
        cases += [(hi - 1, tick), (hi, next_tick), (hi + 1, next_tick)]
    cases.append((10_000_000, bands[-1][1]))
    return cases


# Explicit expected values (not derived from the module's tables) at every band edge.
NEW_TABLE = [
    (1, 1), (1_999, 1), (2_000, 5), (2_001, 5), (4_999, 5), (5_000, 10), (5_001, 10),
    (19_999, 10), (20_000, 50), (20_001, 50), (49_999, 50), (50_000, 100), (50_001, 100),
    (199_999, 100), (200_000, 500), (200_001, 500), (499_999, 500), (500_000, 1_000),
    (500_001, 1_000), (3_000_000, 1_000),
]  # fmt: skip
OLD_KOSPI = [
    (1, 1), (999, 1), (1_000, 5), (1_001, 5), (4_999, 5), (5_000, 10), (5_001, 10), (9_999, 10),
    (10_000, 50), (10_001, 50), (49_999, 50), (50_000, 100), (50_001, 100), (99_999, 100),
    (100_000, 500), (100_001, 500), (499_999, 500), (500_000, 1_000), (500_001, 1_000),
]  # fmt: skip
OLD_KOSDAQ = [
    (1, 1), (999, 1), (1_000, 5), (1_001, 5), (4_999, 5), (5_000, 10), (5_001, 10), (9_999, 10),
    (10_000, 50), (10_001, 50), (49_999, 50), (50_000, 100), (50_001, 100), (99_999, 100),
    (100_000, 100), (100_001, 100), (499_999, 100), (500_000, 100), (500_001, 100),
]  # fmt: skip
ETF_BEFORE = [(1, 5), (1_999, 5), (2_000, 5), (2_001, 5), (100_000, 5)]
ETF_AFTER = [(1, 1), (1_999, 1), (2_000, 5), (2_001, 5), (100_000, 5)]


@pytest.mark.parametrize("market", list(Market))
@pytest.mark.parametrize(("price", "tick"), NEW_TABLE)
def test_2023_table_all_markets(price: int, tick: int, market: Market) -> None:
    assert tick_size(price, NEW, market) == tick
    assert tick_size(price, date(2023, 1, 25), market) == tick


@pytest.mark.parametrize("on", [OLD, date(2010, 10, 4), date(2023, 1, 24), PRE_2010])
@pytest.mark.parametrize(("price", "tick"), OLD_KOSPI)
def test_old_kospi_table(price: int, tick: int, on: date) -> None:
    assert tick_size(price, on, Market.KOSPI) == tick


@pytest.mark.parametrize("market", [Market.KOSDAQ, Market.KONEX])
@pytest.mark.parametrize(("price", "tick"), OLD_KOSDAQ)
def test_old_kosdaq_konex_table(price: int, tick: int, market: Market) -> None:
    assert tick_size(price, OLD, market) == tick
    assert tick_size(price, date(2023, 1, 24), market) == tick


@pytest.mark.parametrize("market", list(Market))
@pytest.mark.parametrize(("price", "tick"), ETF_BEFORE)
def test_etf_before_switch(price: int, tick: int, market: Market) -> None:
    assert tick_size(price, ETF_OLD, market, etf=True) == tick
    assert tick_size(price, ETF_TICK_SWITCH.replace(day=ETF_TICK_SWITCH.day - 1), market, etf=True) == tick
    assert tick_size(price, OLD, market, etf=True) == tick


@pytest.mark.parametrize(("price", "tick"), ETF_AFTER)
def test_etf_after_switch(price: int, tick: int) -> None:
    assert tick_size(price, ETF_NEW, etf=True) == tick
    assert tick_size(price, ETF_TICK_SWITCH, etf=True) == tick


def test_etf_switch_constant_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import trading.krx.ticks as ticks

    monkeypatch.setattr(ticks, "ETF_TICK_SWITCH", date(2023, 12, 8))
    assert tick_size(1_500, date(2023, 12, 8), etf=True) == 1
    assert tick_size(1_500, date(2023, 12, 7), etf=True) == 5


@pytest.mark.parametrize(
    ("bands", "on", "market"),
    [
        (TICKS_2023, NEW, Market.KOSPI),
        (TICKS_2010_KOSPI, OLD, Market.KOSPI),
        (TICKS_2010_KOSDAQ, OLD, Market.KOSDAQ),
    ],
)
def test_edges_helper_matches_tables(bands, on: date, market: Market) -> None:
    for price, tick in edges(bands):
        assert tick_size(price, on, market) == tick


def test_default_date_is_current_table() -> None:
    assert tick_table() is TICKS_2023
    assert tick_size(1_500) == 1
    assert tick_size(150_000) == 100


@pytest.mark.parametrize("price", [0, -1, -2_000])
def test_nonpositive_price_raises(price: int) -> None:
    with pytest.raises(ValueError):
        tick_size(price, NEW)
    with pytest.raises(ValueError):
        round_to_tick(price, on=NEW)
    assert not is_on_tick(price, NEW)


@pytest.mark.parametrize(
    ("price", "down", "up", "nearest"),
    [
        (1, 1, 1, 1),
        (1_999, 1_999, 1_999, 1_999),
        (2_000, 2_000, 2_000, 2_000),
        (2_001, 2_000, 2_005, 2_000),
        (2_003, 2_000, 2_005, 2_005),
        (2_002, 2_000, 2_005, 2_000),
        (4_996, 4_995, 5_000, 4_995),
        (4_998, 4_995, 5_000, 5_000),
        (5_000, 5_000, 5_000, 5_000),
        (5_005, 5_000, 5_010, 5_010),  # tie goes up
        (19_999, 19_990, 20_000, 20_000),
        (20_001, 20_000, 20_050, 20_000),
        (20_025, 20_000, 20_050, 20_050),
        (49_999, 49_950, 50_000, 50_000),
        (50_050, 50_000, 50_100, 50_100),
        (199_999, 199_900, 200_000, 200_000),
        (200_001, 200_000, 200_500, 200_000),
        (499_999, 499_500, 500_000, 500_000),
        (500_000, 500_000, 500_000, 500_000),
        (500_001, 500_000, 501_000, 500_000),
        (500_500, 500_000, 501_000, 501_000),
    ],
)
def test_round_to_tick_2023(price: int, down: int, up: int, nearest: int) -> None:
    assert round_to_tick(price, "down", NEW) == down
    assert round_to_tick(price, "up", NEW) == up
    assert round_to_tick(price, "nearest", NEW) == nearest
    assert round_to_tick(price, on=NEW) == nearest


@pytest.mark.parametrize(
    ("price", "market", "down", "up"),
    [
        (1_001, Market.KOSPI, 1_000, 1_005),
        (9_999, Market.KOSPI, 9_990, 10_000),
        (99_999, Market.KOSPI, 99_900, 100_000),
        (100_001, Market.KOSPI, 100_000, 100_500),
        (100_001, Market.KOSDAQ, 100_000, 100_100),
        (500_001, Market.KOSDAQ, 500_000, 500_100),
        (500_001, Market.KOSPI, 500_000, 501_000),
    ],
)
def test_round_to_tick_old(price: int, market: Market, down: int, up: int) -> None:
    assert round_to_tick(price, "down", OLD, market) == down
    assert round_to_tick(price, "up", OLD, market) == up


def test_round_below_smallest_etf_tick() -> None:
    assert round_to_tick(3, "nearest", ETF_OLD, etf=True) == 5
    assert round_to_tick(2, "nearest", ETF_OLD, etf=True) == 5
    assert round_to_tick(3, "up", ETF_OLD, etf=True) == 5
    with pytest.raises(ValueError):
        round_to_tick(3, "down", ETF_OLD, etf=True)


def test_round_unknown_mode() -> None:
    with pytest.raises(ValueError):
        round_to_tick(2_001, "sideways", NEW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "on_tick"),
    [(1_999, True), (2_000, True), (2_001, False), (2_005, True), (5_005, False), (5_010, True),
     (20_010, False), (20_050, True), (200_100, False), (500_500, False), (501_000, True)],
)  # fmt: skip
def test_is_on_tick(price: int, on_tick: bool) -> None:
    assert is_on_tick(price, NEW) is on_tick


@pytest.mark.parametrize(
    ("price", "n", "expected"),
    [
        (2_000, -1, 1_999),
        (1_999, 1, 2_000),
        (4_995, 1, 5_000),
        (5_000, -1, 4_995),
        (19_990, 1, 20_000),
        (20_000, -1, 19_990),
        (49_950, 1, 50_000),
        (50_000, -1, 49_950),
        (199_900, 1, 200_000),
        (200_000, -1, 199_900),
        (499_500, 1, 500_000),
        (500_000, -1, 499_500),
        (1_998, 3, 2_005),
        (2_005, -3, 1_998),
        (4_990, 4, 5_020),
        (1, 1, 2),
        (2, -1, 1),
        (70_000, 0, 70_000),
        (1_000_000, 5, 1_005_000),
    ],
)
def test_move_ticks_2023(price: int, n: int, expected: int) -> None:
    assert move_ticks(price, n, NEW) == expected
    assert ticks_between(price, expected, NEW) == n


@pytest.mark.parametrize(
    ("price", "n", "market", "expected"),
    [
        (1_000, -1, Market.KOSPI, 999),
        (999, 1, Market.KOSPI, 1_000),
        (9_990, 1, Market.KOSPI, 10_000),
        (100_000, -1, Market.KOSPI, 99_900),
        (99_900, 1, Market.KOSPI, 100_000),
        (100_000, 1, Market.KOSPI, 100_500),
        (100_000, 1, Market.KOSDAQ, 100_100),
        (500_000, 1, Market.KOSDAQ, 500_100),
        (500_000, -1, Market.KOSPI, 499_500),
    ],
)
def test_move_ticks_old(price: int, n: int, market: Market, expected: int) -> None:
    assert move_ticks(price, n, OLD, market) == expected


def test_move_ticks_etf() -> None:
    assert move_ticks(2_000, -1, ETF_NEW, etf=True) == 1_999
    assert move_ticks(2_000, -1, ETF_OLD, etf=True) == 1_995


@pytest.mark.parametrize(("price", "n"), [(2_001, 1), (5_005, -1), (1, -1), (5, -5), (1_999, -1_999)])
def test_move_ticks_errors(price: int, n: int) -> None:
    with pytest.raises(ValueError):
        move_ticks(price, n, NEW)


def test_ticks_between_off_grid() -> None:
    with pytest.raises(ValueError):
        ticks_between(2_000, 2_001, NEW)
    assert ticks_between(1_999, 2_000, NEW) == 1
    assert ticks_between(5_000, 4_995, NEW) == -1
    assert ticks_between(1, 2_000, NEW) == 1_999


TABLE_CASES = st.sampled_from(
    [
        (NEW, Market.KOSPI, False),
        (OLD, Market.KOSPI, False),
        (OLD, Market.KOSDAQ, False),
        (ETF_OLD, Market.KOSPI, True),
        (ETF_NEW, Market.KOSPI, True),
    ]
)


@given(case=TABLE_CASES, raw=st.integers(min_value=1, max_value=3_000_000), n=st.integers(-300, 300))
def test_move_ticks_roundtrip(case: tuple[date, Market, bool], raw: int, n: int) -> None:
    on, market, etf = case
    p = round_to_tick(raw, "up", on, market, etf)
    try:
        q = move_ticks(p, n, on, market, etf)
    except ValueError:
        assert n < 0  # only moving down can hit zero
        return
    assert q > 0
    assert is_on_tick(q, on, market, etf)
    assert move_ticks(q, -n, on, market, etf) == p
    assert ticks_between(p, q, on, market, etf) == n
    assert (q > p) == (n > 0) and (q < p) == (n < 0)


@given(case=TABLE_CASES, p=st.integers(min_value=1, max_value=3_000_000))
def test_round_to_tick_properties(case: tuple[date, Market, bool], p: int) -> None:
    on, market, etf = case
    up = round_to_tick(p, "up", on, market, etf)
    nearest = round_to_tick(p, "nearest", on, market, etf)
    if p < tick_size(1, on, market, etf):  # below the smallest grid price (flat 5-won ETF table)
        with pytest.raises(ValueError):
            round_to_tick(p, "down", on, market, etf)
        assert nearest == up == tick_size(1, on, market, etf)
        return
    down = round_to_tick(p, "down", on, market, etf)
    for r in (down, up, nearest):
        assert is_on_tick(r, on, market, etf)
    assert down <= p <= up
    assert nearest in (down, up)
    assert up == down or move_ticks(down, 1, on, market, etf) == up  # no grid price strictly between
    assert is_on_tick(p, on, market, etf) == (down == p == up)
