"""``run_backtest``: data + strategy + settings → BacktestResult, in three steps.

1. ``prepare``: check the bars, run the strategy's signals per symbol, add the per-row market rules
   and merge all symbols into one time-ordered stream (shared cash) with the kernel's records;
2. ``simulate``: run the kernel in chunks (so progress can be reported and the run cancelled);
3. ``result``: the equity curve and trades as pandas objects, handed to ``stats``.

See README.md in this folder for the execution model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from trading.backtest import kernel as K
from trading.backtest.data import check_bars
from trading.backtest.rules import RuleTables, as_fraction, symbol_rules
from trading.backtest.settings import BacktestSettings, make_settings
from trading.backtest.sizing import Sizing
from trading.backtest.stats import BacktestResult, build_result
from trading.backtest.stream import Stream, merge
from trading.domain import Market
from trading.krx import COMMISSION_RATES
from trading.strategies.base import Strategy
from trading.strategies.indicators import atr as atr_indicator
from trading.strategies.registry import get_strategy

Progress = Callable[[float], None]
ShouldCancel = Callable[[], bool]
DEFAULT_COMMISSION = COMMISSION_RATES["kiwoom"]
CHUNK_ROWS = 500_000
# share of the progress bar: signals and rules up to PREPARED, the kernel up to SIMULATED, then stats
PREPARED, SIMULATED = 0.2, 0.95


class BacktestCancelled(Exception):
    """Raised when ``should_cancel()`` returns True during a run."""


def resolve_strategy(strategy: str | Strategy | type[Strategy]) -> Strategy:
    """A Strategy instance from a registered name, a class or an instance."""
    if isinstance(strategy, str):
        return get_strategy(strategy)
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy()
    if isinstance(strategy, Strategy):
        return strategy
    raise TypeError(f"not a strategy: {strategy!r}")


def run_backtest(
    data: Mapping[str, pd.DataFrame] | pd.DataFrame,
    strategy: str | Strategy | type[Strategy],
    params: Mapping[str, Any] | None = None,
    settings: BacktestSettings | None = None,
    *,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    **options: Any,
) -> BacktestResult:
    """Backtest ``strategy`` on ``data`` (code → bars; one DataFrame = one symbol "ASSET").

    settings: a BacktestSettings (markets, fill, costs, sizing, cash, short, end, start; see there);
      ``options`` are BacktestSettings fields given as keywords (``cash=1_000_000, fill="close"``),
      applied on top of ``settings``.
    progress(fraction) / should_cancel(): job hooks; cancelling raises BacktestCancelled.
    """
    report = Reporter(progress, should_cancel)
    run = prepare(data, strategy, params, make_settings(settings, **options), report)
    state = simulate(run, report)
    out = result(run, state)
    report(1.0)
    return out


@dataclass
class Reporter:
    """Progress and cancel hooks as one call: ``report(fraction)``."""

    progress: Progress | None = None
    should_cancel: ShouldCancel | None = None

    def __call__(self, fraction: float) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise BacktestCancelled("backtest cancelled")
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0))


# --- 1. prepare ---------------------------------------------------------------------------------


@dataclass
class Setup:
    """The settings resolved for the data and the strategy."""

    settings: BacktestSettings
    codes: list[str]
    markets: dict[str, Market | None]
    exact: bool  # KRX data: integer won
    strategy: Strategy
    params: dict[str, Any]
    fill: str
    sizing: Sizing
    commission: Fraction
    tax: Fraction | None  # None = the KRX table
    cash: float


@dataclass
class Prepared:
    """A run ready for the kernel."""

    setup: Setup
    bars: dict[str, pd.DataFrame]  # validated bars per code
    tz: Any  # the data's time zone (of the first symbol), None = naive
    stream: Stream
    rows: K.Rows
    signals: K.Signals
    tables: K.Tables
    fees: K.Fees
    execution: K.Execution


def resolve_setup(
    frames: Mapping[str, pd.DataFrame],
    strategy: str | Strategy | type[Strategy],
    params: Mapping[str, Any] | None,
    s: BacktestSettings,
) -> Setup:
    """Check the settings against the data and fill in the defaults (commission, tax, fill, sizing)."""
    if not frames:
        raise ValueError("no data")
    if s.fill not in ("next_open", "close") or s.end not in ("close", "open"):
        raise ValueError(f"bad fill={s.fill!r} or end={s.end!r}")
    codes = list(frames)
    markets = {
        c: (Market(s.markets[c]) if s.markets and s.markets.get(c) is not None else None) for c in codes
    }
    kinds = {m is not None for m in markets.values()}
    if len(kinds) > 1:
        raise ValueError("mixing KRX and generic (market None) symbols in one run is not supported")
    exact = kinds == {True}
    strat = resolve_strategy(strategy)
    if s.commission is not None:
        commission = as_fraction(s.commission)
    else:
        commission = DEFAULT_COMMISSION if exact else Fraction(0)
    return Setup(
        settings=s,
        codes=codes,
        markets=markets,
        exact=exact,
        strategy=strat,
        params=strat.resolve_params(params),
        fill=strat.fill or s.fill,
        sizing=Sizing.parse(s.sizing),
        commission=commission,
        tax=as_fraction(s.tax) if s.tax is not None else None,
        cash=int(s.cash) if exact else s.cash,
    )


def prepare(
    data: Mapping[str, pd.DataFrame] | pd.DataFrame,
    strategy: str | Strategy | type[Strategy],
    params: Mapping[str, Any] | None,
    settings: BacktestSettings,
    report: Reporter,
) -> Prepared:
    """Signals and market rules of every symbol, merged into the kernel's records."""
    frames = {"ASSET": data} if isinstance(data, pd.DataFrame) else dict(data)
    setup = resolve_setup(frames, strategy, params, settings)
    tables = RuleTables()
    bars_by_code: dict[str, pd.DataFrame] = {}
    per_symbol: list[dict[str, np.ndarray]] = []
    tz = None
    for i, code in enumerate(setup.codes):
        report(PREPARED * i / len(setup.codes))
        bars, prices = check_bars(code, frames[code], setup.exact)
        bars.attrs.update({"code": code, "market": setup.markets[code]})
        tz = bars.index.tz if i == 0 else tz  # the first symbol's zone is the run's
        bars_by_code[code] = bars
        per_symbol.append(
            {**_signal_columns(bars, setup, tz), **_rule_columns(code, bars, prices, setup, tables)}
        )
    stream = merge(per_symbol, [b.index.as_unit("ns").asi8 for b in bars_by_code.values()])
    return Prepared(
        setup=setup,
        bars=bars_by_code,
        tz=tz,
        stream=stream,
        rows=K.Rows(
            group_start=stream.group_start,
            symbol=stream.symbol,
            **{f: stream.columns[f] for f in K.Rows._fields[2:]},
        ),
        signals=K.Signals(**{f: stream.columns[f] for f in K.Signals._fields}),
        tables=_tables(tables),
        fees=_fees(setup),
        execution=_execution(setup),
    )


def _signal_columns(bars: pd.DataFrame, setup: Setup, tz: Any) -> dict[str, np.ndarray]:
    """The strategy's per-bar decisions for one symbol (K.Signals fields); nothing before ``start``."""
    sig = setup.strategy.run_signals(bars, setup.params)
    target = sig["target"].to_numpy(dtype=np.int8, copy=True)
    entry = sig["entry"].to_numpy(dtype=np.bool_, copy=True)
    start = setup.settings.start
    if start is not None:
        before = bars.index.as_unit("ns").asi8 < _timestamp_ns(start, tz)
        target[before] = 0
        entry[before] = False
    size = setup.sizing
    atr = (
        atr_indicator(bars, size.atr_period).to_numpy(dtype=float)
        if size.kind == "atr"
        else np.zeros(len(bars))
    )
    return {
        "target": target,
        "entry": entry,
        "stop_loss": sig["sl"].to_numpy(dtype=float),
        "take_profit": sig["tp"].to_numpy(dtype=float),
        "hold": sig["hold"].to_numpy(dtype=np.int64),
        "atr": atr,
    }


def _rule_columns(
    code: str, bars: pd.DataFrame, prices: dict[str, np.ndarray], setup: Setup, tables: RuleTables
) -> dict[str, np.ndarray]:
    """Prices and market rules per bar for one symbol (the K.Rows fields after ``symbol``)."""
    s = setup.settings
    rules = symbol_rules(
        bars.index, prices["Close"], setup.markets[code], code in s.etfs, setup.tax, s.tax_by, tables
    )
    is_last = np.zeros(len(bars), np.bool_)
    if len(bars):
        is_last[-1] = True
    return {
        "open": prices["Open"],
        "high": prices["High"],
        "low": prices["Low"],
        "close": prices["Close"],
        "is_last": is_last,
        "upper": rules.upper,
        "lower": rules.lower,
        "tick_id": rules.tick_id,
        "tax_id": rules.tax_id,
    }


def _tables(tables: RuleTables) -> K.Tables:
    band_upper, band_tick = tables.tick_arrays()
    tax_num, tax_den, tax_rate = tables.tax_arrays()
    return K.Tables(band_upper, band_tick, tax_num, tax_den, tax_rate)


def _execution(setup: Setup) -> K.Execution:
    return K.Execution(
        fill_close=setup.fill == "close",
        allow_short=bool(setup.settings.short),
        sizing_kind=K.SIZING_KINDS[setup.sizing.kind],
        sizing_value=float(setup.sizing.value),
        end_open=setup.settings.end == "open",
    )


def _fees(setup: Setup) -> K.Fees:
    return K.Fees(
        commission_num=np.int64(setup.commission.numerator),
        commission_den=np.int64(setup.commission.denominator),
        commission_rate=float(setup.commission),
        exact=setup.exact,
        slippage_ticks=int(setup.settings.slippage_ticks),
        generic_tick=float(setup.settings.generic_tick),
    )


def _timestamp_ns(value: Any, tz: Any) -> int:
    ts = pd.Timestamp(value)
    if tz is not None:
        ts = ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)
    elif ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(ts.as_unit("ns").value)


# --- 2. simulate --------------------------------------------------------------------------------


def initial_state(n_symbols: int, n_groups: int, cash: float) -> K.State:
    """Flat positions, no pending orders, ``cash`` in the account, empty trade buffers."""
    sym_float = np.zeros((n_symbols, K.N_FSTATE))
    sym_float[:, [K.SLV, K.TPV, K.PSL, K.PTP]] = np.nan
    sym_int = np.zeros((n_symbols, K.N_ISTATE), np.int64)
    sym_int[:, K.PEND] = K.NONE
    account = np.zeros(4)
    account[K.CASH] = float(cash)
    return K.State(
        sym_float=sym_float,
        sym_int=sym_int,
        account=account,
        trade_int=np.zeros((0, 3), np.int64),
        trade_float=np.zeros((0, 6)),
        n_trades=np.zeros(1, np.int64),
        equity=np.zeros(n_groups),
        gross=np.zeros(n_groups),
    )


def _with_room(state: K.State, needed: int) -> K.State:
    """``state`` with trade buffers of at least ``needed`` rows (grown by doubling)."""
    have = len(state.trade_int)
    if have >= needed:
        return state
    grow = max(2 * have, needed, 4096)
    return state._replace(
        trade_int=np.concatenate([state.trade_int, np.zeros((grow - have, 3), np.int64)]),
        trade_float=np.concatenate([state.trade_float, np.zeros((grow - have, 6))]),
    )


def simulate(run: Prepared, report: Reporter) -> K.State:
    """Run the kernel over the whole stream, CHUNK_ROWS rows between progress reports."""
    stream = run.stream
    n_symbols, n_rows, n_groups = len(run.setup.codes), len(stream.times), stream.n_groups
    state = initial_state(n_symbols, n_groups, run.setup.cash)
    max_group = int(np.diff(stream.group_start).max()) if n_groups else 0
    g = 0
    while g < n_groups:
        row0 = stream.group_start[g]
        g1 = int(np.searchsorted(stream.group_start, row0 + CHUNK_ROWS, side="right")) - 1
        g1 = min(max(g1, g + 1), n_groups)
        while g < g1:
            # every group can record at most two trades per row, plus the final exits
            state = _with_room(state, int(state.n_trades[0]) + 2 * max_group + n_symbols + 64)
            g = K.simulate(g, g1, run.rows, run.signals, run.tables, run.fees, run.execution, state)
        report(PREPARED + (SIMULATED - PREPARED) * stream.group_start[g] / max(n_rows, 1))
    return state


# --- 3. result ----------------------------------------------------------------------------------


def result(run: Prepared, state: K.State) -> BacktestResult:
    """Statistics, benchmark and tables of a finished simulation."""
    setup = run.setup
    equity, exposure = _curves(run, state)
    trades = _trades(run, state)
    return build_result(
        equity=equity,
        exposure=exposure,
        trades=trades,
        cash=setup.cash,
        closes={c: b["Close"] for c, b in run.bars.items()},
        traded_value=float(state.account[K.TRADED]),
        config=_config(run),
        exact=setup.exact,
    )


def _group_index(run: Prepared) -> pd.DatetimeIndex:
    """The timestamp of each group, in the data's time zone."""
    if run.stream.aligned:
        return pd.DatetimeIndex(run.bars[run.setup.codes[0]].index)
    index = pd.DatetimeIndex(pd.to_datetime(run.stream.group_times(), unit="ns", utc=run.tz is not None))
    return index.tz_convert(run.tz) if run.tz is not None else index


def _curves(run: Prepared, state: K.State) -> tuple[pd.Series, pd.Series]:
    """(equity, gross exposure) per timestamp, from ``start`` on; equity in whole won for KRX data."""
    index = _group_index(run)
    equity = pd.Series(state.equity, index=index, name="equity", copy=False)
    exposure = pd.Series(state.gross, index=index, name="gross", copy=False)
    if run.setup.exact:
        equity = equity.round().astype(np.int64)
    start = run.setup.settings.start
    if start is not None:
        keep = run.stream.group_times() >= _timestamp_ns(start, run.tz)
        equity, exposure = equity[keep], exposure[keep]
    return equity, exposure


def _trades(run: Prepared, state: K.State) -> pd.DataFrame:
    """One row per closed trade; prices, sizes and money in whole won for KRX data."""
    n = int(state.n_trades[0])
    ti, tf = state.trade_int[:n], state.trade_float[:n]
    trades = pd.DataFrame(
        {
            "code": np.asarray(run.setup.codes, dtype=object)[ti[:, K.T_SYM]],
            "entry_time": run.stream.row_times(ti[:, K.T_EROW], run.tz),
            "exit_time": run.stream.row_times(ti[:, K.T_XROW], run.tz),
            "entry_price": tf[:, K.T_EPX],
            "exit_price": tf[:, K.T_XPX],
            "size": tf[:, K.T_QTY],
            "pnl": tf[:, K.T_PNL],
            "commission": tf[:, K.T_COMM],
            "tax": tf[:, K.T_TAX],
        }
    )
    trades["return_pct"] = trades["pnl"] / (trades["entry_price"] * trades["size"].abs()) * 100.0
    money = (
        ("entry_price", "exit_price", "size", "pnl", "commission", "tax") if run.setup.exact else ("size",)
    )
    for c in money:
        trades[c] = trades[c].round().astype(np.int64)
    return trades


def _config(run: Prepared) -> dict[str, Any]:
    """The settings as the result records them."""
    setup, s = run.setup, run.setup.settings
    return {
        "strategy": setup.strategy.name,
        "params": {k: v for k, v in setup.params.items() if k != "picks"},
        "symbols": {c: (str(m) if m else None) for c, m in setup.markets.items()},
        "fill": setup.fill,
        "commission": str(setup.commission),
        "tax": "krx" if setup.tax is None else str(setup.tax),
        "tax_by": s.tax_by,
        "slippage_ticks": int(s.slippage_ticks),
        "sizing": setup.sizing.to_dict(),
        "cash": setup.cash,
        "short": bool(s.short),
        "end": s.end,
        "bars": len(run.stream.times),
    }
