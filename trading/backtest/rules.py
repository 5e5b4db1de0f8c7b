"""Per-row market rules for the kernel, built from ``trading.krx``: tick-table ids, daily price
limits (from the previous session's last close) and sell-tax ids, keyed by date and market."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pandas as pd

from trading.domain import KST, Market
from trading.krx import limit_rate, price_limits, sell_tax_rates, tick_table

INT64_MAX = np.iinfo(np.int64).max


def as_fraction(rate: Fraction | float | int | str) -> Fraction:
    """Exact rate: floats are read by their decimal repr (0.00015 → 3/20000)."""
    return rate if isinstance(rate, Fraction) else Fraction(repr(rate) if isinstance(rate, float) else rate)


@dataclass
class RuleTables:
    """Tick tables and tax-rate rows shared by all symbols of a run."""

    tables: list[tuple[tuple[int | None, int], ...]] = field(default_factory=list)
    taxes: list[tuple[Fraction, Fraction]] = field(default_factory=list)

    def table_id(self, bands: tuple[tuple[int | None, int], ...]) -> int:
        if bands not in self.tables:
            self.tables.append(bands)
        return self.tables.index(bands)

    def tax_id(self, rates: tuple[Fraction, Fraction]) -> int:
        if rates not in self.taxes:
            self.taxes.append(rates)
        return self.taxes.index(rates)

    def tick_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(band upper bounds, ticks) as [table, band] float arrays, padded with the last band."""
        width = max((len(t) for t in self.tables), default=1)
        hi = np.full((max(len(self.tables), 1), width), np.inf)
        tk = np.ones((max(len(self.tables), 1), width))
        for k, bands in enumerate(self.tables):
            for b in range(width):
                bound, tick = bands[min(b, len(bands) - 1)]
                hi[k, b] = np.inf if bound is None else bound
                tk[k, b] = tick
        return hi, tk

    def tax_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(numerators, denominators, float rates) as [tax id, component] arrays."""
        rows = self.taxes or [(Fraction(0), Fraction(0))]
        num = np.array([[r.numerator for r in row] for row in rows], dtype=np.int64)
        den = np.array([[r.denominator for r in row] for row in rows], dtype=np.int64)
        return num, den, num / den


@lru_cache(maxsize=65536)
def _day_rules(day: np.datetime64, market: Market, etf: bool, by: str):
    on = pd.Timestamp(day).date()
    return tick_table(on, market, etf), limit_rate(on, market), sell_tax_rates(on, market, etf, by)


@lru_cache(maxsize=262144)
def _limits(base: int, day: np.datetime64, market: Market, etf: bool) -> tuple[int, int]:
    return price_limits(base, on=pd.Timestamp(day).date(), market=market, etf=etf)


def session_days(index: pd.DatetimeIndex) -> np.ndarray:
    """KST calendar day (datetime64[D]) of each bar; naive indexes are taken as local time."""
    local = index.tz_convert(KST).tz_localize(None) if index.tz is not None else index
    return local.to_numpy().astype("datetime64[D]")


@dataclass
class SymbolRules:
    """Per-row arrays for one symbol."""

    tick_id: np.ndarray  # int32, -1 = no grid
    tax_id: np.ndarray  # int32
    upper: np.ndarray  # float64, inf = no limit
    lower: np.ndarray  # float64, 0 = no limit


def symbol_rules(
    index: pd.DatetimeIndex,
    close: np.ndarray,
    market: Market | None,
    etf: bool,
    tax: Fraction | None,
    tax_by: str,
    tables: RuleTables,
) -> SymbolRules:
    """Rules for one symbol's bars. ``market`` None = generic data: no grid, no limits and tax
    ``tax`` (or none). ``tax`` given overrides the KRX table."""
    n = len(index)
    override = None if tax is None else tables.tax_id((tax, Fraction(0)))
    if market is None:
        tid = tables.tax_id((Fraction(0), Fraction(0))) if override is None else override
        return SymbolRules(
            np.full(n, -1, np.int32), np.full(n, tid, np.int32), np.full(n, np.inf), np.zeros(n)
        )
    market = Market(market)
    days = session_days(index)
    uniq, first, inverse = np.unique(days, return_index=True, return_inverse=True)
    last = np.append(first[1:], n) - 1
    day_close = close[last]
    tick_ids = np.empty(len(uniq), np.int32)
    tax_ids = np.empty(len(uniq), np.int32)
    up = np.full(len(uniq), np.inf)
    lo = np.zeros(len(uniq))
    for k, day in enumerate(uniq):
        bands, _, rates = _day_rules(day, market, etf, tax_by)
        tick_ids[k] = tables.table_id(bands)
        tax_ids[k] = tables.tax_id(rates) if override is None else override
        if k:
            up[k], lo[k] = _limits(int(day_close[k - 1]), day, market, etf)
    return SymbolRules(tick_ids[inverse], tax_ids[inverse], up[inverse], lo[inverse])
