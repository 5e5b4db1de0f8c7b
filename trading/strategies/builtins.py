"""Built-in strategies, registered by name in ``trading.strategies.registry``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from trading.strategies.base import Strategy
from trading.strategies.indicators import crossed_above, like, macd, rsi, sma


def _cross_frame(fast: pd.Series, slow: pd.Series) -> pd.DataFrame:
    """Long from a cross above, short (flat when long-only) from a cross below; every cross is an
    order, like backtesting.py's ``if crossover(a, b): close(); buy() elif crossover(b, a): close()``."""
    up = crossed_above(fast, slow).to_numpy()
    down = crossed_above(slow, fast).to_numpy() & ~up
    target = np.where(up, 1.0, np.where(down, -1.0, np.nan))
    if target.ndim == 2:  # a panel: columns (target | entry, code)
        return pd.concat({"target": like(target, fast), "entry": like(up | down, fast)}, axis=1)
    return pd.DataFrame({"target": target, "entry": up | down}, index=fast.index, copy=False)


class MaCross(Strategy):
    """Moving-average crossover: long when SMA(fast) crosses above SMA(slow), out (or short) on the
    cross below."""

    name = "ma_cross"
    params = {"fast": 10, "slow": 20}
    panel = True
    description = "SMA(fast) / SMA(slow) crossover"

    def signals(self, data: pd.DataFrame, fast: int = 10, slow: int = 20) -> pd.DataFrame:
        close = data["Close"].astype(float)
        return _cross_frame(sma(close, fast), sma(close, slow))


class Macd(Strategy):
    """MACD line crossing its signal line."""

    name = "macd"
    params = {"fast": 12, "slow": 26, "signal": 9}
    panel = True
    description = "MACD(fast, slow) crossing its EMA(signal)"

    def signals(self, data: pd.DataFrame, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
        line, sig = macd(data["Close"].astype(float), fast, slow, signal)
        return _cross_frame(line, sig)


class Rsi(Strategy):
    """RSI mean reversion: long below ``lower``, out (or short) above ``upper``."""

    name = "rsi"
    params = {"period": 14, "lower": 30.0, "upper": 70.0}
    panel = True
    description = "RSI(period): buy below lower, sell above upper"

    def signals(
        self, data: pd.DataFrame, period: int = 14, lower: float = 30.0, upper: float = 70.0
    ) -> pd.Series:
        close = data["Close"].astype(float)
        value = rsi(close, period).to_numpy()
        with np.errstate(invalid="ignore"):
            target = np.where(value < lower, 1.0, np.where(value > upper, -1.0, np.nan))
        return like(target, close)


def _session_days(index: pd.DatetimeIndex) -> np.ndarray:
    """Calendar day of each bar (local time of the index)."""
    return index.normalize().to_numpy()


class QuarterLines(Strategy):
    """Quarter-line mean reversion. Lines split the range into quarters: L + q·(H−L).

    Intraday bars: the range is today's so far (running high/low); buy when the close is at or below
    the ``lower`` line, sell at or above the ``upper`` line, after ``min_bars`` bars of the day.
    Daily bars: the previous day's range.
    """

    name = "quarter_lines"
    params = {"lower": 0.25, "upper": 0.75, "min_bars": 5}
    description = "buy near the 25% line of the range, sell near the 75% line"

    def signals(
        self, data: pd.DataFrame, lower: float = 0.25, upper: float = 0.75, min_bars: int = 5
    ) -> pd.Series:
        days = _session_days(pd.DatetimeIndex(data.index))
        intraday = len(days) > 1 and len(np.unique(days)) < len(days)
        high, low, close = (data[c].astype(float) for c in ("High", "Low", "Close"))
        if intraday:
            grouped = pd.Series(days, index=data.index)
            hi = high.groupby(grouped).cummax()
            lo = low.groupby(grouped).cummin()
            ready = high.groupby(grouped).cumcount() >= int(min_bars) - 1
        else:
            hi, lo = high.shift(1), low.shift(1)
            ready = hi.notna()
        span = hi - lo
        buy = ready & (span > 0) & (close <= lo + lower * span)
        sell = ready & (span > 0) & (close >= lo + upper * span)
        target = pd.Series(np.nan, index=data.index)
        target[sell] = 0.0
        target[buy] = 1.0
        return target


def _as_date(key: date | datetime | str | pd.Timestamp) -> date:
    return pd.Timestamp(key).date()


class SectorFollow(Strategy):
    """Buy the caller's picks at the open of each pick date; exit at the close of the ``hold``-th
    trading day (1 = the same day), earlier on stop-loss ``sl`` / take-profit ``tp`` (fractions).

    ``picks`` maps a date to the codes to buy that day (decided before the open, e.g. from the US
    sector moves overnight); the code of the data comes from ``data.attrs["code"]``.
    """

    name = "sector_follow"
    params: dict[str, Any] = {"picks": {}, "hold": 1, "sl": None, "tp": None}
    description = "buy given picks per date at the open; exit at the close / after N days / SL / TP"
    fill = "next_open"

    def signals(
        self,
        data: pd.DataFrame,
        picks: Mapping[Any, Iterable[str]] | None = None,
        hold: int = 1,
        sl: float | None = None,
        tp: float | None = None,
    ) -> pd.DataFrame:
        code = str(data.attrs.get("code", ""))
        wanted = {_as_date(d) for d, codes in (picks or {}).items() if code in set(codes)}
        n = len(data)
        frame = pd.DataFrame(
            {"target": np.nan, "entry": False, "sl": np.nan, "tp": np.nan, "hold": 0}, index=data.index
        )
        if not wanted or n == 0:
            return frame
        days = _session_days(pd.DatetimeIndex(data.index))
        day_list, first_rows = np.unique(days, return_index=True)
        last_rows = np.append(first_rows[1:], n) - 1
        target = frame["target"].to_numpy(copy=True)
        entry = frame["entry"].to_numpy(copy=True)
        hold_col = frame["hold"].to_numpy(copy=True)
        for k, day in enumerate(day_list):
            if pd.Timestamp(day).date() not in wanted or first_rows[k] == 0:
                continue
            signal_row = first_rows[k] - 1  # decided before the pick day's open
            exit_row = last_rows[min(k + int(hold) - 1, len(day_list) - 1)]
            if np.isnan(target[exit_row]) or not entry[exit_row]:
                target[exit_row] = 0.0
            target[signal_row] = 1.0
            entry[signal_row] = True
            hold_col[signal_row] = exit_row - first_rows[k] + 1
        frame["target"], frame["entry"], frame["hold"] = target, entry, hold_col
        if sl is not None:
            frame.loc[frame["entry"], "sl"] = float(sl)
        if tp is not None:
            frame.loc[frame["entry"], "tp"] = float(tp)
        return frame


BUILTINS: tuple[type[Strategy], ...] = (MaCross, Macd, Rsi, QuarterLines, SectorFollow)
