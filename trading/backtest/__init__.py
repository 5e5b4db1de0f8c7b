"""Backtest engine: vectorised signals, a compiled event kernel, statistics and optimisation.

See README.md in this folder for the execution model and the mapping to backtesting.py.
"""

from trading.backtest.data import read_csv_bars, ticks_to_bars
from trading.backtest.engine import BacktestCancelled, resolve_strategy, run_backtest
from trading.backtest.optimize import WalkForwardResult, grid_search, heatmap, walk_forward
from trading.backtest.settings import BacktestSettings
from trading.backtest.sizing import Sizing
from trading.backtest.stats import BacktestResult

__all__ = [
    "BacktestCancelled",
    "BacktestResult",
    "BacktestSettings",
    "Sizing",
    "WalkForwardResult",
    "grid_search",
    "heatmap",
    "read_csv_bars",
    "resolve_strategy",
    "run_backtest",
    "ticks_to_bars",
    "walk_forward",
]
