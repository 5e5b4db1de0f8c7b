"""KRX tick sizes (호가가격단위) and tick-grid arithmetic.

The tables are module-level data keyed by effective date, so a new table is one data edit.
A table is a tuple of bands ``(upper_bound_exclusive, tick)``; the last band has bound ``None``.
Every band's lower bound is a multiple of its own tick and of every lower band's tick, so the
grid is simply "multiples of the tick of the band the price lies in".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from trading.domain import KST, Market

Bands = tuple[tuple[int | None, int], ...]

# Stocks, since 2023-01-25: identical for KOSPI, KOSDAQ and KONEX.
TICKS_2023: Bands = (
    (2_000, 1),
    (5_000, 5),
    (20_000, 10),
    (50_000, 50),
    (200_000, 100),
    (500_000, 500),
    (None, 1_000),
)
# Stocks, 2010-10-04 .. 2023-01-24 (also used before 2010-10-04 as a documented approximation).
TICKS_2010_KOSPI: Bands = (
    (1_000, 1),
    (5_000, 5),
    (10_000, 10),
    (50_000, 50),
    (100_000, 100),
    (500_000, 500),
    (None, 1_000),
)
TICKS_2010_KOSDAQ: Bands = (
    (1_000, 1),
    (5_000, 5),
    (10_000, 10),
    (50_000, 50),
    (None, 100),
)
# ETF/ETN/ELW: flat 5 won, then 1 won below 2,000 from the switch date.
ETF_TICKS_FLAT: Bands = ((None, 5),)
ETF_TICKS_2023: Bands = ((2_000, 1), (None, 5))

# Start date of the new ETF table. Sources conflict: 2023-12-18 (mediapen, S8) vs 2023-12-08
# (etoday, S9). 12-18 is used; change this constant if the other date is confirmed.
ETF_TICK_SWITCH = date(2023, 12, 18)

# (effective from, {market: table}); the entry with the latest start <= the date applies.
STOCK_TICK_SCHEDULE: tuple[tuple[date, dict[Market, Bands]], ...] = (
    (
        date.min,  # before 2010-10-04: approximated by the 2010 table
        {Market.KOSPI: TICKS_2010_KOSPI, Market.KOSDAQ: TICKS_2010_KOSDAQ, Market.KONEX: TICKS_2010_KOSDAQ},
    ),
    (
        date(2010, 10, 4),
        {Market.KOSPI: TICKS_2010_KOSPI, Market.KOSDAQ: TICKS_2010_KOSDAQ, Market.KONEX: TICKS_2010_KOSDAQ},
    ),
    (date(2023, 1, 25), {Market.KOSPI: TICKS_2023, Market.KOSDAQ: TICKS_2023, Market.KONEX: TICKS_2023}),
)

RoundMode = Literal["down", "up", "nearest"]


def today_kst() -> date:
    """Today's date in KST (the default ``on`` for date-dependent rules)."""
    return datetime.now(KST).date()


def tick_table(on: date | None = None, market: Market = Market.KOSPI, etf: bool = False) -> Bands:
    """The tick table in force on ``on`` (default: today in KST) for the market / ETF flag."""
    day = on if on is not None else today_kst()
    if etf:
        return ETF_TICKS_2023 if day >= ETF_TICK_SWITCH else ETF_TICKS_FLAT
    table = STOCK_TICK_SCHEDULE[0][1]
    for start, tables in STOCK_TICK_SCHEDULE:
        if day >= start:
            table = tables
    return table[Market(market)]


def _band(price: int, bands: Bands) -> tuple[int, int | None, int]:
    """(lower bound inclusive, upper bound exclusive or None, tick) of the band holding ``price``."""
    lo = 0
    for hi, tick in bands:
        if hi is None or price < hi:
            return lo, hi, tick
        lo = hi
    raise AssertionError("tick table must end with an open band")  # pragma: no cover


def _check_price(price: int) -> None:
    if price <= 0:
        raise ValueError(f"price must be > 0, got {price}")


def tick_size(price: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False) -> int:
    """Tick for ``price`` on date ``on`` (default today). Raises ValueError if price <= 0."""
    _check_price(price)
    return _band(price, tick_table(on, market, etf))[2]


def is_on_tick(price: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False) -> bool:
    """True if ``price`` > 0 lies on the tick grid."""
    return price > 0 and price % tick_size(price, on, market, etf) == 0


def round_to_tick(
    price: int,
    mode: RoundMode = "nearest",
    on: date | None = None,
    market: Market = Market.KOSPI,
    etf: bool = False,
) -> int:
    """Round ``price`` to the tick grid: "down" (largest grid price <= p), "up" (smallest >= p)
    or "nearest" (ties go up; never 0). Near a band edge the result uses the tick of its own band,
    e.g. on the 2023 table up(2001) = 2005, down(2003) = 2000, up(4996) = 5000.
    Raises ValueError if price <= 0, or for "down" when no positive grid price <= price exists
    (e.g. 3 won on the flat 5-won ETF table).
    """
    _check_price(price)
    tick = tick_size(price, on, market, etf)
    down = price - price % tick
    # Band upper bounds are multiples of the band's tick, so ceil lands at most on the next band's
    # lower bound, which is on the grid.
    up = down if down == price else down + tick
    if mode == "down":
        if down == 0:
            raise ValueError(f"no positive grid price <= {price}")
        return down
    if mode == "up":
        return up
    if mode == "nearest":
        return down if down > 0 and price - down < up - price else up
    raise ValueError(f"unknown rounding mode {mode!r}")


def move_ticks(
    price: int, n: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False
) -> int:
    """Move ``n`` ticks (negative = down) from the on-grid ``price``, crossing band edges
    (2023 table: 2,000 − 1 tick = 1,999; 1,999 + 1 = 2,000; 4,995 + 1 = 5,000).
    Raises ValueError if ``price`` is off the grid or the result would be <= 0.
    """
    if not is_on_tick(price, on, market, etf):
        raise ValueError(f"price {price} is not on the tick grid")
    bands = tick_table(on, market, etf)
    p, left = price, abs(n)
    if n >= 0:
        while left:
            _, hi, tick = _band(p, bands)
            to_edge = None if hi is None else (hi - p) // tick
            if to_edge is None or left < to_edge:
                return p + left * tick
            p, left = hi, left - to_edge
        return p
    while left:
        lo, _, tick = _band(p - 1, bands)  # p - 1 >= 1 because p >= 1 and p stays > 0
        to_edge = (p - lo) // tick
        if left < to_edge:
            return p - left * tick
        if lo == 0:
            raise ValueError(f"moving {n} ticks from {price} goes to or below 0")
        p, left = lo, left - to_edge
    return p


def ticks_between(
    lo: int, hi: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False
) -> int:
    """Signed number of ticks from ``lo`` to ``hi`` (both on the grid), so that
    ``move_ticks(lo, ticks_between(lo, hi)) == hi``.
    """
    for p in (lo, hi):
        if not is_on_tick(p, on, market, etf):
            raise ValueError(f"price {p} is not on the tick grid")
    if hi < lo:
        return -ticks_between(hi, lo, on, market, etf)
    bands = tick_table(on, market, etf)
    count, p = 0, lo
    while p < hi:
        _, band_hi, tick = _band(p, bands)
        stop = hi if band_hi is None else min(hi, band_hi)
        count += (stop - p) // tick
        p = stop
    return count
