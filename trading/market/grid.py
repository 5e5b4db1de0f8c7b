"""Vectorised KRX tick grid and daily limits over numpy arrays.

The tables come from ``trading.krx`` (tick_table, limit_rate); this module only applies them to
arrays. Tests check every function against the scalar ``trading.krx`` versions.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from trading.domain import Market
from trading.krx import limit_rate, tick_table


class Grid:
    """The stock tick table in force on one day, applied to int64 arrays."""

    def __init__(self, on: date, market: Market = Market.KOSPI):
        bands = tick_table(on, market)
        self.on = on
        self.edges = np.array([hi for hi, _ in bands[:-1]], dtype=np.int64)
        self.ticks = np.array([t for _, t in bands], dtype=np.int64)

    def tick(self, price: np.ndarray) -> np.ndarray:
        """Tick of the band each price lies in."""
        return self.ticks[np.searchsorted(self.edges, price, side="right")]

    def round_nearest(self, price: np.ndarray) -> np.ndarray:
        """Nearest grid price (ties up), at least the first tick. ``price`` may be float."""
        p = np.maximum(np.asarray(price, dtype=np.float64), 1.0)
        pi = np.floor(p).astype(np.int64)
        t = self.tick(pi)
        down = pi - pi % t
        # A band edge is a multiple of the next band's tick, so down + t is on the grid.
        up = down + t
        out = np.where(p - down < up - p, down, up)
        return np.where(out <= 0, up, out)

    def round_down(self, price: np.ndarray) -> np.ndarray:
        p = np.asarray(price, dtype=np.int64)
        return p - p % self.tick(p)

    def limits(self, base: np.ndarray, markets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(upper, lower) for each base price: KRX three-step rule (see trading.krx.price_limits).

        ``markets`` is an array of Market values; KONEX uses its own rate.
        """
        base = np.asarray(base, dtype=np.int64)
        rate = limit_rate(self.on, Market.KOSPI)
        num = np.full(base.shape, rate.numerator, dtype=np.int64)
        den = np.full(base.shape, rate.denominator, dtype=np.int64)
        if markets is not None:
            konex = limit_rate(self.on, Market.KONEX)
            mask = markets == Market.KONEX.value
            num[mask], den[mask] = konex.numerator, konex.denominator
        width = base * num // den
        width -= width % self.tick(base)
        upper = base + width
        upper -= upper % self.tick(upper)
        return upper, base - width
