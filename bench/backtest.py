"""Benchmark: our engine vs backtesting.py on an SMA crossover, plus a 100-stock portfolio.

Prints, last, exactly:
  ours_bars_per_s=<n>            1,000,000-bar minute series (seeded random walk), full run incl. stats
  backtestingpy_bars_per_s=<n>   backtesting.py 0.6.6 on a 100,000-bar slice of the same series (a rate)
  speedup=<x>
  portfolio_9m_bars_s=<seconds>  100 KOSPI stocks × 250 sessions × 381 minute bars (9,525,000 bars),
                                 shared cash, 5% of equity per entry, KRX ticks/limits/tax, 1 tick slippage
Each timing is the best of a few runs (REPEATS*). Run: python bench/backtest.py (the first run in a
fresh checkout also compiles the numba kernel; a warm-up call keeps that out of the timings).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trading.backtest import run_backtest  # noqa: E402
from trading.domain import Market  # noqa: E402
from trading.krx import tick_table  # noqa: E402

N_BARS = 1_000_000
BT_BARS = 100_000
N_STOCKS = 100
SESSIONS = 250
MINUTES = 381  # 09:00 .. 15:20 inclusive
PARAMS = {"fast": 10, "slow": 20}
# best of N wall-clock runs for each side (the machine may be shared)
REPEATS = 3
REPEATS_BT = 2
REPEATS_PORTFOLIO = 2


def random_walk(n: int, seed: int, start: float = 100.0, vol: float = 0.001) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))


def ohlc(close: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    open_ = np.concatenate([[close[0]], close[:-1]])
    spread = np.abs(rng.normal(0.0, 0.0005, len(close))) * close
    return {
        "Open": open_,
        "High": np.maximum(open_, close) + spread,
        "Low": np.minimum(open_, close) - spread,
        "Close": close,
        "Volume": rng.integers(100, 10_000, len(close)).astype(float),
    }


def single_series() -> pd.DataFrame:
    idx = pd.date_range("2020-01-01", periods=N_BARS, freq="min")
    return pd.DataFrame(ohlc(random_walk(N_BARS, 42), 42), index=idx)


def to_grid(prices: np.ndarray, on) -> np.ndarray:
    """Round won prices down to the KOSPI tick grid (vectorised over the band table)."""
    bands = tick_table(on, Market.KOSPI)
    bounds = np.array([b for b, _ in bands[:-1]], dtype=float)
    ticks = np.array([t for _, t in bands], dtype=float)
    p = np.maximum(np.floor(prices), 1.0)
    tick = ticks[np.searchsorted(bounds, p, side="right")]
    return np.maximum(np.floor(p / tick) * tick, tick)


def krx_universe() -> dict[str, pd.DataFrame]:
    days = pd.bdate_range("2025-01-02", periods=SESSIONS)
    minutes = pd.timedelta_range("09:00:00", periods=MINUTES, freq="min")
    idx = pd.DatetimeIndex((days.to_numpy()[:, None] + minutes.to_numpy()[None, :]).ravel())
    n = len(idx)
    out = {}
    for k in range(N_STOCKS):
        raw = ohlc(random_walk(n, 1000 + k, start=float(10_000 + 500 * k), vol=0.0008), 1000 + k)
        cols = {c: to_grid(v, days[0].date()) if c != "Volume" else v for c, v in raw.items()}
        cols["High"] = np.maximum.reduce([cols["High"], cols["Open"], cols["Close"]])
        cols["Low"] = np.minimum.reduce([cols["Low"], cols["Open"], cols["Close"]])
        out[f"{k:06d}"] = pd.DataFrame(cols, index=idx)
    return out


def bt_rate(df: pd.DataFrame) -> float:
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):
        def init(self):
            self.a = self.I(SMA, self.data.Close, PARAMS["fast"])
            self.b = self.I(SMA, self.data.Close, PARAMS["slow"])

        def next(self):
            if crossover(self.a, self.b):
                self.position.close()
                self.buy()
            elif crossover(self.b, self.a):
                self.position.close()

    part = df.iloc[:BT_BARS]
    bt = Backtest(
        part,
        SmaCross,
        cash=1_000_000,
        commission=0,
        exclusive_orders=True,
        trade_on_close=False,
        finalize_trades=True,
    )
    elapsed = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(REPEATS_BT):
            t0 = time.perf_counter()
            ref = bt.run()
            elapsed = min(elapsed, time.perf_counter() - t0)
    ours = run_backtest({"X": part}, "ma_cross", PARAMS, cash=1_000_000, commission=0, end="open")
    agree = (
        len(ours.trades) == ref["# Trades"]
        and abs(ours.stats["final_equity"] / ref["Equity Final [$]"] - 1) < 1e-4
    )
    print(
        f"check: 100k-slice trades ours={len(ours.trades)} backtesting.py={ref['# Trades']} "
        f"final equity ours={ours.stats['final_equity']:.2f} backtesting.py={ref['Equity Final [$]']:.2f} "
        f"agree={agree}"
    )
    return BT_BARS / elapsed


def main() -> None:
    df = single_series()
    run_backtest({"X": df.iloc[:1000]}, "ma_cross", PARAMS, cash=1_000_000, commission=0)  # compile/warm-up
    ours_s = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = run_backtest({"X": df}, "ma_cross", PARAMS, cash=1_000_000, commission=0, end="open")
        ours_s = min(ours_s, time.perf_counter() - t0)
    ours = N_BARS / ours_s
    print(f"ours: {N_BARS:,} bars in {ours_s:.3f}s, {res.stats['trades']:,} trades")
    theirs = bt_rate(df)
    print(f"backtesting.py timed on a {BT_BARS:,}-bar slice of the same series (bars/s is a rate)")

    universe = krx_universe()
    n_bars = sum(len(v) for v in universe.values())
    markets = {c: Market.KOSPI for c in universe}
    small = {c: v.iloc[:2000] for c, v in list(universe.items())[:2]}
    run_backtest(small, "ma_cross", PARAMS, markets={c: Market.KOSPI for c in small}, sizing="percent:0.05")
    port_s = float("inf")
    for _ in range(REPEATS_PORTFOLIO):
        t0 = time.perf_counter()
        port = run_backtest(
            universe, "ma_cross", PARAMS, markets=markets, sizing="percent:0.05", slippage_ticks=1
        )
        port_s = min(port_s, time.perf_counter() - t0)
    print(
        f"portfolio: {N_STOCKS} stocks, {n_bars:,} bars, {port.stats['trades']:,} trades, "
        f"final equity {port.stats['final_equity']:,} won"
    )
    print(f"ours_bars_per_s={ours:.0f}")
    print(f"backtestingpy_bars_per_s={theirs:.0f}")
    print(f"speedup={ours / theirs:.1f}")
    print(f"portfolio_9m_bars_s={port_s:.2f}")


if __name__ == "__main__":
    main()
