"""The decision at a bar's close: the backtest's own ``Strategy.signals`` on the bars so far, acted on at
its crossings only (a target that stays 1 never buys again, so a sticky signal never re-orders)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trading.strategies.base import Strategy


@dataclass(frozen=True, slots=True)
class Signal:
    action: str | None  # "buy" (target 0 → 1, or an entry flag), "sell" (1 → 0), None
    target: int
    prev: int
    sl_pct: float | None = None  # the strategy's stop / target for this entry, percent of the price
    tp_pct: float | None = None
    hold: int | None = None  # bars


def decide(strategy: Strategy, params: Mapping[str, Any], frame: pd.DataFrame) -> Signal:
    """The signal at the last bar of ``frame``. Long only: a target of -1 (short) means flat, as the
    backtest treats it without ``short``."""
    if len(frame) < 2:
        return Signal(None, 0, 0)
    out = strategy.signals(frame, **strategy.resolve_params(params))
    return _signal(*last_two(out, len(frame)))


def decide_panel(
    strategy: Strategy, params: Mapping[str, Any], wide: pd.DataFrame, lengths: Mapping[str, int]
) -> dict[str, Signal]:
    """``decide`` for many stocks in one call of a panel strategy (``Strategy.panel``): ``wide`` has
    columns (field, code), each stock's ``lengths[code]`` bars at the bottom. The same signals as
    ``decide`` on each stock's own frame."""
    codes = list(lengths)
    if not codes:
        return {}
    n = len(wide)
    out = strategy.signals(wide, **strategy.resolve_params(params))
    parts = out if isinstance(out.columns, pd.MultiIndex) else pd.concat({"target": out}, axis=1)
    if len(parts) != n:
        raise ValueError(f"signals() returned {len(parts)} rows for {n} bars")
    names, owners = parts.columns.get_level_values(0), parts.columns.get_level_values(1)
    values = parts.to_numpy(dtype=float)  # one array; a column per (name, code)
    at = {(name, code): k for k, (name, code) in enumerate(zip(names, owners, strict=True))}
    if ("target", codes[0]) not in at:
        raise ValueError("signals() DataFrame needs a 'target' column")

    def col(name: str) -> np.ndarray | None:
        if (name, codes[0]) not in at:
            return None
        return values[:, [at[(name, c)] for c in codes]]

    target = col("target")
    start = n - np.array([lengths[c] for c in codes])  # each stock's first own row
    rows = np.arange(n)[:, None]
    pos = np.where(~np.isnan(target) & (rows >= start), rows, -1)
    np.maximum.accumulate(pos, axis=0, out=pos)  # the last value at or before each row (forward fill)
    last = {k: v[-1] for k in ("entry", "sl", "tp", "hold") if (v := col(k)) is not None}
    result: dict[str, Signal] = {}
    for j, code in enumerate(codes):
        if lengths[code] < 2:
            result[code] = Signal(None, 0, 0)
            continue
        prev, now = (max(-1, min(1, round(float(target[i, j])))) if i >= 0 else 0 for i in pos[-2:, j])
        hold = float(last["hold"][j]) if "hold" in last else 0.0
        result[code] = _signal(
            prev,
            now,
            bool(last["entry"][j]) if "entry" in last else False,
            float(last["sl"][j]) if "sl" in last else math.nan,
            float(last["tp"][j]) if "tp" in last else math.nan,
            0 if math.isnan(hold) else int(hold),
        )
    return result


def _signal(prev: int, now: int, entry: bool, sl: float, tp: float, hold: int) -> Signal:
    now, prev = max(now, 0), max(prev, 0)
    if now == 1 and (prev == 0 or entry):
        return Signal("buy", now, prev, _pct(sl), _pct(tp), hold or None)
    if now == 0 and prev == 1:
        return Signal("sell", now, prev)
    return Signal(None, now, prev)


def last_two(out: pd.Series | pd.DataFrame, n: int) -> tuple[int, int, bool, float, float, int]:
    """``normalize_signals(out)`` read at its last two bars only (the runner needs no more): the targets
    of the bar before and of the last bar, and the last bar's entry flag, stop, target and hold."""
    frame = out.to_frame("target") if isinstance(out, pd.Series) else out
    if "target" not in frame.columns:
        raise ValueError("signals() DataFrame needs a 'target' column")
    if len(frame) != n:
        raise ValueError(f"signals() returned {len(frame)} rows for {n} bars")
    target = frame["target"].to_numpy(dtype=float)
    valid = np.flatnonzero(~np.isnan(target))

    def at(i: int) -> int:
        k = np.searchsorted(valid, i, side="right") - 1  # the last value at or before bar i (forward fill)
        return int(np.clip(round(target[valid[k]]), -1, 1)) if k >= 0 else 0

    def last(col: str, default: float) -> float:
        return float(frame[col].to_numpy()[-1]) if col in frame.columns else default

    entry = bool(frame["entry"].to_numpy()[-1]) if "entry" in frame.columns else False
    hold = last("hold", 0.0)
    return (
        at(n - 2),
        at(n - 1),
        entry,
        last("sl", math.nan),
        last("tp", math.nan),
        0 if math.isnan(hold) else int(hold),
    )


def _pct(fraction: float) -> float | None:
    return None if fraction is None or math.isnan(fraction) else float(fraction) * 100.0
