"""Daily price limits (가격제한폭) with KRX's three-step rounding. Exact integer arithmetic."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from trading.domain import Market
from trading.krx.ticks import tick_size, today_kst

# (effective from, rate); the entry with the latest start <= the date applies. KONEX has its own table.
LIMIT_RATE_SCHEDULE: tuple[tuple[date, Fraction], ...] = (
    (date.min, Fraction(15, 100)),
    (date(2015, 6, 15), Fraction(30, 100)),
)
KONEX_LIMIT_RATE_SCHEDULE: tuple[tuple[date, Fraction], ...] = ((date.min, Fraction(15, 100)),)


def limit_rate(on: date | None = None, market: Market = Market.KOSPI) -> Fraction:
    """The daily limit rate on ``on`` (default today): 30% from 2015-06-15, 15% before; KONEX 15%."""
    day = on if on is not None else today_kst()
    schedule = KONEX_LIMIT_RATE_SCHEDULE if Market(market) is Market.KONEX else LIMIT_RATE_SCHEDULE
    rate = schedule[0][1]
    for start, r in schedule:
        if day >= start:
            rate = r
    return rate


def price_limits(
    base: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False
) -> tuple[int, int]:
    """(upper, lower) limit prices for base price ``base``.

    1. width = base × rate, cut down (floor) to a multiple of the *base* price's tick;
    2. upper = base + width, cut down to the tick of the band the upper price lies in;
    3. lower = base − width (on the grid automatically).
    E.g. 239,000 → (310,500, 167,500). Adjusted bases (ex-rights, listing day…) are the caller's job.
    """
    if base <= 0:
        raise ValueError(f"base price must be > 0, got {base}")
    rate = limit_rate(on, market)
    base_tick = tick_size(base, on, market, etf)
    width = base * rate.numerator // rate.denominator
    width -= width % base_tick
    upper = base + width
    upper -= upper % tick_size(upper, on, market, etf)
    return upper, base - width


def within_limits(
    price: int, base: int, on: date | None = None, market: Market = Market.KOSPI, etf: bool = False
) -> bool:
    """True if lower <= ``price`` <= upper for base price ``base``."""
    upper, lower = price_limits(base, on, market, etf)
    return lower <= price <= upper
