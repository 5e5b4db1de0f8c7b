"""Trading strategies: the shared Strategy API, built-ins and user-file discovery."""

from trading.strategies.base import LiveAdapter, Strategy, normalize_signals, strategy
from trading.strategies.registry import StrategyInfo, get_strategy, list_strategies, strategies_dir

__all__ = [
    "LiveAdapter",
    "Strategy",
    "StrategyInfo",
    "get_strategy",
    "list_strategies",
    "normalize_signals",
    "strategies_dir",
    "strategy",
]
