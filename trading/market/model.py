"""The static cross-section of the simulated market and the daily return model.

Everything is a pure function of the seed (and, per day, of the date), so the demo history and
the live simulator produce the same day for the same seed, date and previous close:

    r_i = strength · beta_i · R_us[etf_i] + beta_i · sector_noise[etf_i] + idio_vol_i · z_i
          − 0.01 · ln(prev_close_i / base_price_i)

where ``R_us`` is the return of the mapped ETF on the last US session that closed before the KRX
open. The open gap carries part of that return; the rest comes during the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from trading.market.grid import Grid
from trading.market.stocks import StockInfo

SAMSUNG, HYNIX = "005930", "000660"
TOP_VALUE = 1.0e12  # rank 1 trades about 1조원 a day
ZIPF_ALPHA = 1.0
SECTOR_VOL = 0.008
REVERSION = 0.01  # per day, towards the base price
_DAY_SALT = 11_2023


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One session for every stock: prices on the grid inside [lower, upper]."""

    day: date
    prev_close: np.ndarray  # int64
    open: np.ndarray  # int64
    close: np.ndarray  # int64
    upper: np.ndarray
    lower: np.ndarray
    activity: np.ndarray  # float, the day's volume multiplier (1 = normal day)
    intraday_vol: np.ndarray  # float, log-price vol over the continuous session


class MarketModel:
    """Per-stock parameters drawn once from the seed."""

    def __init__(self, stocks: Sequence[StockInfo], seed: int = 42, strength: float = 0.6):
        self.stocks = list(stocks)
        self.seed = seed
        self.strength = strength
        n = len(self.stocks)
        self.n = n
        self.codes = [s.code for s in self.stocks]
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.markets = np.array([s.market.value for s in self.stocks], dtype=object)
        self.sector_keys = sorted({s.us_etf for s in self.stocks})
        key_idx = {k: i for i, k in enumerate(self.sector_keys)}
        self.sector = np.array([key_idx[s.us_etf] for s in self.stocks], dtype=np.int64)

        rng = np.random.default_rng([seed, 1])
        large = np.array([bool(s.name_en) for s in self.stocks])
        # Liquidity rank: 005930, 000660 first, then stocks with an English name (large caps).
        score = rng.random(n) + np.where(large, 0.0, 0.7)
        for pin, code in enumerate((SAMSUNG, HYNIX)):
            if code in self.index:
                score[self.index[code]] = -2.0 + pin
        order = np.argsort(score, kind="stable")
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[order] = np.arange(1, n + 1)
        self.daily_value = TOP_VALUE * self.rank.astype(np.float64) ** -ZIPF_ALPHA

        lo = np.where(large, np.log(8_000), np.log(800))
        hi = np.where(large, np.log(1_200_000), np.log(300_000))
        raw = np.exp(lo + (hi - lo) * rng.random(n))
        pins = {SAMSUNG: rng.uniform(62_000, 78_000), HYNIX: rng.uniform(160_000, 240_000)}
        for code, p in pins.items():
            if code in self.index:
                raw[self.index[code]] = p
        self.base_price = Grid(date(2024, 1, 2)).round_nearest(raw)

        semis = self.sector == key_idx.get("SOXX", -1)
        self.beta = np.clip(rng.normal(1.0, 0.25, n) + np.where(semis, 0.2, 0.0), 0.3, 1.8)
        self.idio_vol = np.where(large, rng.uniform(0.011, 0.02, n), rng.uniform(0.018, 0.04, n))
        # Average trade size grows with liquidity; fixes trades per day and the book depth.
        self.trade_value = 2.0e6 * (self.daily_value / self.daily_value.min()) ** 0.3
        self.trades_per_day = np.maximum(self.daily_value / self.trade_value, 30.0)

    def us_vector(self, us: dict[str, float]) -> np.ndarray:
        """Mapped-ETF returns per sector key (missing symbols count as 0)."""
        return np.array([us.get(k, 0.0) for k in self.sector_keys], dtype=np.float64)

    def plan_day(self, day: date, prev_close: np.ndarray, us: dict[str, float], grid: Grid) -> DayPlan:
        """Draw the session ``day`` for every stock (deterministic in seed and date)."""
        rng = np.random.default_rng([self.seed, _DAY_SALT, day.toordinal()])
        sector_noise = rng.normal(0.0, SECTOR_VOL, len(self.sector_keys))
        z = rng.normal(0.0, 1.0, (3, self.n))
        us_part = self.strength * self.us_vector(us)[self.sector]
        prev = np.asarray(prev_close, dtype=np.int64)
        # A slow pull towards the base price keeps multi-year histories at realistic levels.
        pull = -REVERSION * np.log(prev / self.base_price)
        r = self.beta * (us_part + sector_noise[self.sector]) + self.idio_vol * z[0] + pull
        gap = self.beta * us_part * 0.7 + 0.25 * self.idio_vol * z[1]
        upper, lower = grid.limits(prev, self.markets)
        close = np.clip(grid.round_nearest(prev * np.exp(r)), lower, upper)
        open_ = np.clip(grid.round_nearest(prev * np.exp(gap)), lower, upper)
        activity = np.exp(0.2 * z[2] - 0.02) * (1.0 + 8.0 * np.abs(r)) / 1.15
        return DayPlan(day, prev, open_, close, upper, lower, activity, self.idio_vol * 0.9)
