"""``run_backtest``: data + strategy + settings → BacktestResult.

Builds one time-ordered stream of bars over all symbols (shared cash), adds the per-row market
rules, runs the kernel in chunks (so progress can be reported and the run cancelled) and hands
the equity curve and trades to ``stats``. See README.md in this folder for the execution model.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from trading.backtest import kernel as K
from trading.backtest.data import check_bars
from trading.backtest.rules import RuleTables, as_fraction, symbol_rules
from trading.backtest.sizing import Sizing
from trading.backtest.stats import BacktestResult, build_result
from trading.domain import Market
from trading.krx import COMMISSION_RATES
from trading.strategies.base import Strategy
from trading.strategies.indicators import atr as atr_indicator
from trading.strategies.registry import get_strategy

Progress = Callable[[float], None]
ShouldCancel = Callable[[], bool]
DEFAULT_COMMISSION = COMMISSION_RATES["kiwoom"]
CHUNK_ROWS = 500_000


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


@dataclass
class _Stream:
    times: np.ndarray  # int64 ns per row
    sym: np.ndarray
    cols: dict[str, np.ndarray]
    gstart: np.ndarray  # row offsets of timestamp groups, len G + 1
    aligned: bool = False  # every symbol has the same (unique) index: groups = the first index


def _merge(per_symbol: list[dict[str, np.ndarray]], times: list[np.ndarray]) -> _Stream:
    n_sym = len(per_symbol)
    if n_sym == 1:
        n = len(times[0])
        if n < 2 or bool(np.all(np.diff(times[0]) > 0)):
            return _Stream(
                times[0], np.zeros(n, np.int32), per_symbol[0], np.arange(n + 1, dtype=np.int64), True
            )
    same = all(len(t) == len(times[0]) and np.array_equal(t, times[0]) for t in times[1:])
    if same and bool(np.all(np.diff(times[0]) > 0)):
        # aligned bars: time-major interleave, no sort needed
        n = len(times[0])
        cols = {k: np.stack([d[k] for d in per_symbol], axis=1).reshape(-1) for k in per_symbol[0]}
        return _Stream(
            np.repeat(times[0], n_sym),
            np.tile(np.arange(n_sym, dtype=np.int32), n),
            cols,
            np.arange(0, n * n_sym + 1, n_sym, dtype=np.int64),
            True,
        )
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    sym = np.concatenate([np.full(len(t), i, np.int32) for i, t in enumerate(times)])[order]
    cols = {k: np.concatenate([d[k] for d in per_symbol])[order] for k in per_symbol[0]}
    st = all_times[order]
    starts = np.flatnonzero(np.diff(st)) + 1 if len(st) else np.array([], np.int64)
    gstart = np.concatenate([[0], starts, [len(st)]]).astype(np.int64) if len(st) else np.zeros(1, np.int64)
    return _Stream(st, sym, cols, gstart)


def _timestamp_ns(value: Any, tz: Any) -> int:
    ts = pd.Timestamp(value)
    if tz is not None:
        ts = ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)
    elif ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(ts.as_unit("ns").value)


def run_backtest(
    data: Mapping[str, pd.DataFrame] | pd.DataFrame,
    strategy: str | Strategy | type[Strategy],
    params: Mapping[str, Any] | None = None,
    *,
    markets: Mapping[str, Market | str | None] | None = None,
    etfs: Collection[str] = (),
    fill: Literal["next_open", "close"] = "next_open",
    commission: Fraction | float | None = None,
    tax: Fraction | float | None = None,
    tax_by: Literal["settlement", "trade"] = "settlement",
    slippage_ticks: int = 0,
    sizing: Sizing | str | Mapping[str, Any] | None = "all_in",
    cash: float = 100_000_000,
    short: bool = False,
    end: Literal["close", "open"] = "close",
    start: Any = None,
    generic_tick: float = 0.01,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` on ``data`` (code → bars; one DataFrame = one symbol "ASSET").

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
    progress(fraction) / should_cancel(): job hooks; cancelling raises BacktestCancelled.
    """
    frames = {"ASSET": data} if isinstance(data, pd.DataFrame) else dict(data)
    if not frames:
        raise ValueError("no data")
    if fill not in ("next_open", "close") or end not in ("close", "open"):
        raise ValueError(f"bad fill={fill!r} or end={end!r}")
    codes = list(frames)
    mkts = {c: (Market(markets[c]) if markets and markets.get(c) is not None else None) for c in codes}
    kinds = {m is not None for m in mkts.values()}
    if len(kinds) > 1:
        raise ValueError("mixing KRX and generic (market None) symbols in one run is not supported")
    exact = kinds == {True}
    strat = resolve_strategy(strategy)
    resolved = strat.resolve_params(params)
    fill_mode = strat.fill or fill
    size = Sizing.parse(sizing)
    comm = (
        as_fraction(commission) if commission is not None else (DEFAULT_COMMISSION if exact else Fraction(0))
    )
    tax_rate = as_fraction(tax) if tax is not None else None
    if exact:
        cash = int(cash)

    def report(x: float) -> None:
        if should_cancel is not None and should_cancel():
            raise BacktestCancelled("backtest cancelled")
        if progress is not None:
            progress(min(max(x, 0.0), 1.0))

    tables = RuleTables()
    per_symbol: list[dict[str, np.ndarray]] = []
    times: list[np.ndarray] = []
    bars_by_code: dict[str, pd.DataFrame] = {}
    tz = None
    for i, code in enumerate(codes):
        report(0.2 * i / len(codes))
        bars, arrays = check_bars(code, frames[code], exact)
        bars.attrs.update({"code": code, "market": mkts[code]})
        if i == 0:
            tz = bars.index.tz
        bars_by_code[code] = bars
        sig = strat.run_signals(bars, resolved)
        t_ns = bars.index.as_unit("ns").asi8
        target = sig["target"].to_numpy(dtype=np.int8, copy=True)
        entry = sig["entry"].to_numpy(dtype=np.bool_, copy=True)
        if start is not None:
            before = t_ns < _timestamp_ns(start, tz)
            target[before] = 0
            entry[before] = False
        rules = symbol_rules(bars.index, arrays["Close"], mkts[code], code in etfs, tax_rate, tax_by, tables)
        n = len(bars)
        is_last = np.zeros(n, np.bool_)
        if n:
            is_last[-1] = True
        atr = (
            atr_indicator(bars, size.atr_period).to_numpy(dtype=float) if size.kind == "atr" else np.zeros(n)
        )
        per_symbol.append(
            {
                "o": arrays["Open"],
                "h": arrays["High"],
                "l": arrays["Low"],
                "c": arrays["Close"],
                "tgt": target,
                "ent": entry,
                "sl": sig["sl"].to_numpy(dtype=float),
                "tp": sig["tp"].to_numpy(dtype=float),
                "hold": sig["hold"].to_numpy(dtype=np.int64),
                "atr": atr,
                "upper": rules.upper,
                "lower": rules.lower,
                "tkid": rules.tick_id,
                "txid": rules.tax_id,
                "is_last": is_last,
            }
        )
        times.append(t_ns)

    stream = _merge(per_symbol, times)
    col = stream.cols
    bhi, btk = tables.tick_arrays()
    tx_num, tx_den, tx_rate = tables.tax_arrays()
    n_sym, n_rows, n_groups = len(codes), len(stream.times), len(stream.gstart) - 1
    S = np.zeros((n_sym, K.N_FSTATE))
    S[:, [K.SLV, K.TPV, K.PSL, K.PTP]] = np.nan
    IS = np.zeros((n_sym, K.N_ISTATE), np.int64)
    IS[:, K.PEND] = K.NONE
    A = np.zeros(4)
    A[K.CASH] = float(cash)
    eq = np.zeros(n_groups)
    gross = np.zeros(n_groups)
    ntr = np.zeros(1, np.int64)
    ti = np.zeros((0, 3), np.int64)
    tf = np.zeros((0, 6))
    max_group = int(np.diff(stream.gstart).max()) if n_groups else 0
    g = 0
    while g < n_groups:
        row0 = stream.gstart[g]
        g1 = int(np.searchsorted(stream.gstart, row0 + CHUNK_ROWS, side="right")) - 1
        g1 = min(max(g1, g + 1), n_groups)
        while g < g1:
            floor_cap = int(ntr[0]) + 2 * max_group + n_sym + 64
            if len(ti) < floor_cap:
                grow = max(2 * len(ti), floor_cap, 4096)
                ti = np.concatenate([ti, np.zeros((grow - len(ti), 3), np.int64)])
                tf = np.concatenate([tf, np.zeros((grow - len(tf), 6))])
            g = K.simulate(
                g,
                g1,
                stream.gstart,
                stream.sym,
                col["o"],
                col["h"],
                col["l"],
                col["c"],
                col["tgt"],
                col["ent"],
                col["sl"],
                col["tp"],
                col["hold"],
                col["atr"],
                col["upper"],
                col["lower"],
                col["tkid"],
                col["txid"],
                col["is_last"],
                bhi,
                btk,
                tx_num,
                tx_den,
                tx_rate,
                np.int64(comm.numerator),
                np.int64(comm.denominator),
                float(comm),
                exact,
                int(slippage_ticks),
                float(generic_tick),
                fill_mode == "close",
                bool(short),
                K.SIZING_KINDS[size.kind],
                float(size.value),
                end == "open",
                S,
                IS,
                A,
                ti,
                tf,
                ntr,
                eq,
                gross,
            )
        report(0.2 + 0.75 * stream.gstart[g] / max(n_rows, 1))

    group_times = stream.times[stream.gstart[:-1]]
    first_index = bars_by_code[codes[0]].index
    if stream.aligned:
        index = pd.DatetimeIndex(first_index)
    else:
        index = pd.DatetimeIndex(pd.to_datetime(group_times, unit="ns", utc=tz is not None))
        if tz is not None:
            index = index.tz_convert(tz)
    n_tr = int(ntr[0])
    ti, tf = ti[:n_tr], tf[:n_tr]

    def row_times(rows: np.ndarray) -> pd.DatetimeIndex:
        out = pd.DatetimeIndex(pd.to_datetime(stream.times[rows], unit="ns", utc=tz is not None))
        return out.tz_convert(tz) if tz is not None else out

    trades = pd.DataFrame(
        {
            "code": np.asarray(codes, dtype=object)[ti[:, K.T_SYM]],
            "entry_time": row_times(ti[:, K.T_EROW]),
            "exit_time": row_times(ti[:, K.T_XROW]),
            "entry_price": tf[:, K.T_EPX],
            "exit_price": tf[:, K.T_XPX],
            "size": tf[:, K.T_QTY],
            "pnl": tf[:, K.T_PNL],
            "commission": tf[:, K.T_COMM],
            "tax": tf[:, K.T_TAX],
        }
    )
    trades["return_pct"] = trades["pnl"] / (trades["entry_price"] * trades["size"].abs()) * 100.0
    equity = pd.Series(eq, index=index, name="equity", copy=False)
    exposure = pd.Series(gross, index=index, name="gross", copy=False)
    if exact:
        equity = equity.round().astype(np.int64)
        for c in ("entry_price", "exit_price", "size", "pnl", "commission", "tax"):
            trades[c] = trades[c].round().astype(np.int64)
    else:
        trades["size"] = trades["size"].round().astype(np.int64)
    if start is not None:
        keep = group_times >= _timestamp_ns(start, tz)
        equity, exposure = equity[keep], exposure[keep]
    config = {
        "strategy": strat.name,
        "params": {k: v for k, v in resolved.items() if k != "picks"},
        "symbols": {c: (str(m) if m else None) for c, m in mkts.items()},
        "fill": fill_mode,
        "commission": str(comm),
        "tax": "krx" if tax_rate is None else str(tax_rate),
        "tax_by": tax_by,
        "slippage_ticks": int(slippage_ticks),
        "sizing": size.to_dict(),
        "cash": cash,
        "short": bool(short),
        "end": end,
        "bars": n_rows,
    }
    result = build_result(
        equity=equity,
        exposure=exposure,
        trades=trades,
        cash=cash,
        closes={c: b["Close"] for c, b in bars_by_code.items()},
        traded_value=float(A[K.TRADED]),
        config=config,
        exact=exact,
    )
    report(1.0)
    return result
