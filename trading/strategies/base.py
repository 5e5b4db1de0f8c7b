"""The strategy API shared by the backtest engine and live automatic trading.

A strategy is a small class with a vectorised ``signals(data, **params)`` method. ``data`` is one
symbol's bars (DataFrame with Open, High, Low, Close, Volume and a DatetimeIndex; ``data.attrs``
carries ``code`` and ``market``). It returns, per bar, the **target position decided at that bar's
close**: 1 long, 0 flat, -1 short (NaN = keep the previous target). It may use only bars <= i for
bar i; the engine fills the order at the next bar's open (or at the close with ``fill="close"``).

Instead of a Series, ``signals`` may return a DataFrame with a ``target`` column and optional
columns that apply to the entries it triggers:

* ``entry`` (bool): also issue an order on this bar when the target did not change, closing and
  re-opening the position (backtesting.py's ``position.close(); buy()``). Without it, an order is
  issued only when the target changes, so a position stopped out stays flat until the next change.
* ``sl`` / ``tp`` (fraction of the entry price, e.g. 0.03): stop-loss / take-profit checked
  intrabar from the entry bar on (stop first when both are touched in one bar).
* ``hold`` (bars, int): exit at the close of the ``hold``-th bar held (1 = the entry bar's close).

A strategy that sets ``panel = True`` also accepts a *wide* frame: columns ``(field, code)`` (so
``data["Close"]`` is a DataFrame with one column per stock), each stock's last bars aligned at the
bottom (NaN above a shorter history), rows by position. It returns the same per column — a DataFrame of
targets, or columns ``(target | entry | sl | tp | hold, code)`` — computed exactly as for that stock
alone. The live runner uses it to decide for many stocks in one call; the backtest runs per stock.

Live trading calls the same ``signals`` on recent history and acts on the last value
(``latest_target`` / ``LiveAdapter``), so a strategy runs unchanged in both places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from trading.domain import Bar

Fill = Literal["next_open", "close"]
SignalFn = Callable[..., pd.Series | pd.DataFrame]


class Strategy:
    """Base class: set ``name``, ``params`` (defaults) and implement ``signals``.

    ``fill`` may force a fill mode the strategy depends on (e.g. sector_follow buys at the open of a
    pick date, so it needs "next_open"); None lets the caller choose.
    """

    name: ClassVar[str] = ""
    params: ClassVar[dict[str, Any]] = {}
    description: ClassVar[str] = ""
    fill: ClassVar[Fill | None] = None
    panel: ClassVar[bool] = False  # signals() also takes a wide frame (see the module docstring)

    def signals(self, data: pd.DataFrame, **params: Any) -> pd.Series | pd.DataFrame:
        """Target position per bar (see the module docstring)."""
        raise NotImplementedError

    def resolve_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated with ``params``; unknown names raise ValueError."""
        given = dict(params or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {unknown}; known: {sorted(self.params)}")
        return {**self.params, **given}

    def run_signals(self, data: pd.DataFrame, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """``signals`` with defaults applied, normalised to a DataFrame (target, entry, sl, tp, hold)."""
        return normalize_signals(self.signals(data, **self.resolve_params(params)), data.index)

    def latest_target(self, data: pd.DataFrame, params: Mapping[str, Any] | None = None) -> int:
        """The target for the next bar given history ``data`` (what live trading acts on)."""
        frame = self.run_signals(data, params)
        return int(frame["target"].iloc[-1]) if len(frame) else 0


def normalize_signals(out: pd.Series | pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Coerce a strategy's output to columns target (int8, ffilled, clipped to -1..1), entry (bool),
    sl, tp (float, NaN = none) and hold (int, 0 = none) on ``index``."""
    frame = out.to_frame("target") if isinstance(out, pd.Series) else out.copy()
    if "target" not in frame.columns:
        raise ValueError("signals() DataFrame needs a 'target' column")
    if len(frame) != len(index):
        raise ValueError(f"signals() returned {len(frame)} rows for {len(index)} bars")
    n = len(index)
    target = _ffill(frame["target"].to_numpy(dtype=float))
    target = np.clip(np.nan_to_num(target, nan=0.0), -1.0, 1.0).round().astype(np.int8)
    entry = frame["entry"].to_numpy() if "entry" in frame else np.zeros(n, bool)
    entry = (
        np.asarray(pd.Series(entry).fillna(False).to_numpy(), dtype=bool) if entry.dtype != bool else entry
    )
    cols: dict[str, np.ndarray] = {"target": target, "entry": entry}
    for col in ("sl", "tp"):
        cols[col] = frame[col].to_numpy(dtype=float) if col in frame else np.full(n, np.nan)
    hold = frame["hold"].to_numpy(dtype=float) if "hold" in frame else np.zeros(n)
    cols["hold"] = np.nan_to_num(hold, nan=0.0).astype(np.int64)
    result = pd.DataFrame(cols, index=index, copy=False)
    return result


def _ffill(values: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs in a 1-D float array (leading NaNs stay NaN)."""
    valid = ~np.isnan(values)
    if valid.all():
        return values
    pos = np.where(valid, np.arange(len(values)), 0)
    np.maximum.accumulate(pos, out=pos)
    return values[pos]  # before the first valid value pos is 0 and values[0] is NaN


def strategy(
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    description: str = "",
    fill: Fill | None = None,
) -> Callable[[SignalFn], type[Strategy]]:
    """Turn a function ``fn(data, **params) -> Series | DataFrame`` into a Strategy subclass.

    >>> @strategy("my_cross", params={"n": 20})
    ... def my_cross(data, n):
    ...     return (data["Close"] > data["Close"].rolling(n).mean()).astype(int)
    """

    def wrap(fn: SignalFn) -> type[Strategy]:
        def signals(self: Strategy, data: pd.DataFrame, **kw: Any) -> pd.Series | pd.DataFrame:
            return fn(data, **kw)

        attrs = {
            "name": name or fn.__name__,
            "params": dict(params or {}),
            "description": description or (fn.__doc__ or "").strip(),
            "fill": fill,
            "signals": signals,
            "__module__": fn.__module__,
            "__doc__": fn.__doc__,
        }
        return type(_class_name(name or fn.__name__), (Strategy,), attrs)

    return wrap


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", name) if part) or "UserStrategy"


class LiveAdapter:
    """Event-style ``init``/``next`` wrapper for live trading: feed bars, get the target position.

    Each ``next`` recomputes ``signals`` on the last ``lookback`` bars, so results equal the
    backtest's vectorised signals as long as ``lookback`` covers the strategy's warm-up.
    """

    def __init__(self, strat: Strategy, params: Mapping[str, Any] | None = None, lookback: int = 500) -> None:
        self.strategy = strat
        self.params = strat.resolve_params(params)
        self.lookback = lookback
        self.history = pd.DataFrame(columns=["Open", "High", "Low", "Close", "Volume"], dtype=float)

    def init(self, history: pd.DataFrame) -> None:
        """Seed with past bars (same columns as the backtest data)."""
        self.history = history[["Open", "High", "Low", "Close", "Volume"]].tail(self.lookback).copy()
        self.history.attrs.update(history.attrs)

    def next(self, bar: Bar) -> int:
        """Append a completed bar; return the target position to hold from the next bar on."""
        row = pd.DataFrame(
            {
                "Open": [bar.open],
                "High": [bar.high],
                "Low": [bar.low],
                "Close": [bar.close],
                "Volume": [bar.volume],
            },
            index=pd.DatetimeIndex([bar.time]),
        )
        attrs = dict(self.history.attrs) or {"code": bar.code}
        frames = [self.history, row] if len(self.history) else [row]
        self.history = pd.concat(frames).tail(self.lookback)
        self.history.attrs.update(attrs)
        return self.strategy.latest_target(self.history, self.params)
