"""The decision at a bar's close: the backtest's own ``Strategy.signals`` on the bars so far, acted on at
its crossings only (a target that stays 1 never buys again, so a sticky signal never re-orders)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    sig = strategy.run_signals(frame, params)
    target = sig["target"].to_numpy()
    now, prev = max(int(target[-1]), 0), max(int(target[-2]), 0)
    entry = bool(sig["entry"].to_numpy()[-1])
    if now == 1 and (prev == 0 or entry):
        sl, tp, hold = (sig[c].to_numpy()[-1] for c in ("sl", "tp", "hold"))
        return Signal("buy", now, prev, _pct(sl), _pct(tp), int(hold) or None)
    if now == 0 and prev == 1:
        return Signal("sell", now, prev)
    return Signal(None, now, prev)


def _pct(fraction: float) -> float | None:
    return None if fraction is None or math.isnan(fraction) else float(fraction) * 100.0
