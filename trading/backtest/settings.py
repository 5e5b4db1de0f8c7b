"""``BacktestSettings``: how a run trades (markets, fills, costs, sizing, cash, start and end)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from trading.backtest.sizing import Sizing
from trading.domain import Market


@dataclass(frozen=True)
class BacktestSettings:
    """Everything about a run but the data, the strategy and its parameters.

    markets: code → Market for KRX data (tick grid, price limits, tax table, integer won); a missing
      code or None = generic data (float prices, no grid/limits/tax). One run is all-KRX or all-generic.
    etfs: codes that are ETFs (ETF tick table, no sell tax).
    fill: "next_open" (signal at bar close, fill at the next bar's open) or "close" (same close).
      A strategy with a ``fill`` attribute forces its own mode.
    commission: per-side rate; None = COMMISSION_RATES["kiwoom"] for KRX data, 0 for generic.
    tax: sell tax rate override; None = KRX table by date and market (keyed by ``tax_by``), 0 for generic.
    slippage_ticks: ticks against each market/stop fill (generic data: ``generic_tick`` per tick).
    sizing: see Sizing. cash: starting cash. short: allow short targets (-1); else they mean flat.
    end: open positions are closed at the last bar's "close", or at its "open" (backtesting.py's
      ``finalize_trades=True``).
    start: trading starts at this time; earlier bars only warm up the indicators.
    """

    markets: Mapping[str, Market | str | None] | None = None
    etfs: Collection[str] = ()
    fill: Literal["next_open", "close"] = "next_open"
    commission: Fraction | float | None = None
    tax: Fraction | float | None = None
    tax_by: Literal["settlement", "trade"] = "settlement"
    slippage_ticks: int = 0
    sizing: Sizing | str | Mapping[str, Any] | None = "all_in"
    cash: float = 100_000_000
    short: bool = False
    end: Literal["close", "open"] = "close"
    start: Any = None
    generic_tick: float = 0.01


DEFAULT_SETTINGS = BacktestSettings()


def make_settings(settings: BacktestSettings | None = None, **options: Any) -> BacktestSettings:
    """``settings`` (default: the defaults) with ``options`` (BacktestSettings fields) replaced.

    An unknown option raises TypeError, like an unknown keyword argument.
    """
    return replace(settings or DEFAULT_SETTINGS, **options) if options else settings or DEFAULT_SETTINGS
