"""Example user strategy: Donchian channel breakout.

Drop a file like this in ``strategies/``; it shows up in ``list_strategies()`` and the backtest page.
Either subclass ``Strategy`` (below) or decorate a function with ``@strategy(name, params=...)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trading.strategies import Strategy, strategy


class DonchianBreakout(Strategy):
    """Long when the close breaks above the prior ``n``-bar high; flat below the prior ``exit_n``-bar low."""

    name = "donchian_breakout"
    params = {"n": 20, "exit_n": 10}
    description = "close above the previous n-bar high → long; below the exit_n-bar low → flat"

    def signals(self, data: pd.DataFrame, n: int = 20, exit_n: int = 10) -> pd.Series:
        close = data["Close"].astype(float)
        upper = data["High"].astype(float).rolling(n).max().shift(1)
        lower = data["Low"].astype(float).rolling(exit_n).min().shift(1)
        target = pd.Series(np.nan, index=data.index)
        target[close < lower] = 0.0
        target[close > upper] = 1.0
        return target


@strategy("above_sma", params={"n": 50}, description="long while the close is above SMA(n)")
def above_sma(data: pd.DataFrame, n: int = 50) -> pd.Series:
    """Long while the close is above its n-bar simple moving average."""
    close = data["Close"].astype(float)
    return (close > close.rolling(n).mean()).astype(float)
