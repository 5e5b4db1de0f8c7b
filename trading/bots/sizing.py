"""How many shares a bot's entry buys: fixed won, % of equity, or ATR risk per trade (whole shares)."""

from __future__ import annotations

import math

import pandas as pd

from trading.bots.config import Sizing
from trading.strategies.indicators import atr


def entry_shares(sizing: Sizing, price: int, equity: int, frame: pd.DataFrame | None = None) -> int:
    """Whole shares for one entry at ``price`` (0 when the budget is below one share).

    atr: a one-ATR move costs ``value`` % of equity: qty = equity × value% / ATR(period) of ``frame``."""
    if price <= 0:
        return 0
    if sizing.kind == "fixed":
        return int(sizing.value // price)
    if sizing.kind == "percent":
        return int(equity * sizing.value / 100 // price)
    if frame is None or len(frame) < sizing.atr_period:
        return 0
    value = float(atr(frame, sizing.atr_period).iloc[-1])
    if not math.isfinite(value) or value <= 0:
        return 0
    qty = int(equity * sizing.value / 100 / value)
    return min(qty, int(equity // price))
