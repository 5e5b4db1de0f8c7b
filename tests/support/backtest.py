"""Shared builders for the backtest tests (imported as a sibling module)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trading.strategies.base import Strategy


class Scripted(Strategy):
    """Targets given per bar (the test decides every signal)."""

    name = "scripted"
    params = {"target": None, "sl": None, "tp": None, "hold": None, "entry": None}

    def signals(self, data, target, sl=None, tp=None, hold=None, entry=None):
        if isinstance(target, dict):
            target = target[data.attrs["code"]]
        frame = pd.DataFrame({"target": np.asarray(target, dtype=float)}, index=data.index)
        for col, val in (("sl", sl), ("tp", tp), ("hold", hold), ("entry", entry)):
            if val is not None:
                frame[col] = val
        return frame


def bars(
    opens: Sequence[float],
    closes: Sequence[float] | None = None,
    start: str = "2024-03-04",
    highs: Sequence[float] | None = None,
    lows: Sequence[float] | None = None,
    freq: str = "B",
) -> pd.DataFrame:
    """Bars from explicit opens/closes (closes default to opens); high/low envelope them."""
    o = np.asarray(opens, dtype=float)
    c = np.asarray(closes if closes is not None else opens, dtype=float)
    h = np.asarray(highs, dtype=float) if highs is not None else np.maximum(o, c)
    lo = np.asarray(lows, dtype=float) if lows is not None else np.minimum(o, c)
    idx = pd.date_range(start, periods=len(o), freq=freq)
    return pd.DataFrame({"Open": o, "High": h, "Low": lo, "Close": c, "Volume": 1000.0}, index=idx)


# A user strategy (a file for GSLTS_STRATEGIES_DIR) that sleeps while the file ``hold`` next to it exists:
# a run hangs until the marker goes (to kill its worker meanwhile), then finishes at once.
SLOW_STRATEGY = """
from pathlib import Path
import time
import pandas as pd
from trading.strategies import strategy

MARKER = Path(__file__).with_name("hold")

@strategy("slow_sma", params={"n": 20}, description="above SMA(n), slowly")
def slow_sma(data: pd.DataFrame, n: int = 20) -> pd.Series:
    while MARKER.exists():
        time.sleep(0.1)
    close = data["Close"].astype(float)
    return (close > close.rolling(n).mean()).astype(float)
"""
