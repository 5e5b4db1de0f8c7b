"""Vectorised technical indicators on pandas Series (no look-ahead: value at bar i uses bars <= i).

The price-only ones (``sma``, ``ema``, ``rsi``, ``macd``, ``crossed_above``) also take a DataFrame with one
column per stock (a panel strategy's wide frame) and compute each column exactly as the Series alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trading.strategies import panel_kernels

Frame = pd.Series | pd.DataFrame


def like(values: np.ndarray, template: Frame) -> Frame:
    """``values`` (1-D or 2-D) wrapped as ``template``'s type, index and columns, without a copy."""
    if values.ndim == 1:
        return pd.Series(values, index=template.index, copy=False)
    return pd.DataFrame(values, index=template.index, columns=template.columns, copy=False)


def sma(close: pd.Series, n: int) -> pd.Series:
    """Simple moving average over ``n`` bars (NaN during warm-up)."""
    if isinstance(close, pd.DataFrame):
        return like(panel_kernels.rolling_mean(close.to_numpy(dtype=float), int(n)), close)
    return close.rolling(int(n)).mean()


def ema(close: pd.Series, n: int) -> pd.Series:
    """Exponential moving average with span ``n`` (pandas ``adjust=False``)."""
    if isinstance(close, pd.DataFrame):
        return _ewm_panel(close, (int(n) - 1) / 2.0, int(n))  # pandas' centre of mass for a span
    return close.ewm(span=int(n), adjust=False, min_periods=int(n)).mean()


def _wilder(values: Frame, period: int) -> np.ndarray:
    """Wilder's smoothing (an EWM with alpha = 1/period), as an array."""
    alpha = 1.0 / period
    if isinstance(values, pd.DataFrame):
        return panel_kernels.ewm_mean(values.to_numpy(dtype=float), (1.0 - alpha) / alpha, period)
    return values.ewm(alpha=alpha, adjust=False, min_periods=period).mean().to_numpy()


def _ewm_panel(values: pd.DataFrame, com: float, min_periods: int) -> pd.DataFrame:
    return like(panel_kernels.ewm_mean(values.to_numpy(dtype=float), com, min_periods), values)


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder's RSI in [0, 100] (numpy around pandas' ewm: the live runner calls it on every bar)."""
    delta = close.diff().to_numpy(dtype=float)
    n = int(period)
    avg_gain = _wilder(like(np.clip(delta, 0.0, None), close), n)
    avg_loss = _wilder(like(-np.clip(delta, None, 0.0), close), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    out = np.where(avg_loss != 0, out, 100.0)
    out = np.where(np.isnan(avg_gain), np.nan, out)
    return like(out, close)


def macd(close: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[pd.Series, pd.Series]:
    """(MACD line, signal line)."""
    line = ema(close, fast) - ema(close, slow)
    return line, ema(line, signal)


def true_range(data: pd.DataFrame) -> pd.Series:
    """True range: max(H-L, |H-prevC|, |L-prevC|)."""
    prev_close = data["Close"].shift(1)
    high, low = data["High"], data["Low"]
    return pd.concat([high - low, (high - prev_close).abs(), (low - prev_close).abs()], axis=1).max(axis=1)


def atr(data: pd.DataFrame, period: int = 14) -> pd.Series:
    """Average true range (Wilder smoothing)."""
    return true_range(data).ewm(alpha=1.0 / int(period), adjust=False, min_periods=int(period)).mean()


def crossed_above(a: pd.Series, b: pd.Series) -> pd.Series:
    """True on bars where ``a`` went from strictly below ``b`` to strictly above it
    (the same rule as backtesting.py's ``crossover``: a touch-and-cross via equality is not a cross).
    """
    av, bv = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    out = np.zeros(av.shape, dtype=bool)
    out[1:] = (av[:-1] < bv[:-1]) & (av[1:] > bv[1:])
    return like(out, a)
