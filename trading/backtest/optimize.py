"""Parameter optimisation: grid search (a table for heatmaps) and walk-forward analysis."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trading.backtest.engine import BacktestCancelled, Progress, ShouldCancel, run_backtest
from trading.backtest.settings import make_settings
from trading.backtest.stats import curve_points, json_scalar, json_value, performance
from trading.strategies.base import Strategy

Data = Mapping[str, pd.DataFrame] | pd.DataFrame


def metric_key(metric: str, stats: Mapping[str, Any]) -> str:
    """Stats key for a metric name: "sharpe", "total_return" (→ total_return_pct), "cagr", …"""
    if metric in stats:
        return metric
    if f"{metric}_pct" in stats:
        return f"{metric}_pct"
    raise KeyError(f"unknown metric {metric!r}; choose from {sorted(stats)}")


def param_combinations(
    grid: Mapping[str, Sequence[Any]], constraint: Callable[[dict[str, Any]], bool] | None = None
) -> list[dict[str, Any]]:
    """Cartesian product of the grid, filtered by ``constraint(params)``."""
    names = list(grid)
    combos = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))
    ]
    return [c for c in combos if constraint is None or constraint(c)]


def _scaled(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    if progress is None:
        return None
    return lambda x: progress(lo + (hi - lo) * x)


def grid_search(
    data: Data,
    strategy: str | Strategy | type[Strategy],
    grid: Mapping[str, Sequence[Any]],
    *,
    metric: str = "sharpe",
    constraint: Callable[[dict[str, Any]], bool] | None = None,
    base_params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    **run_kwargs: Any,
) -> pd.DataFrame:
    """Run every combination of ``grid`` (e.g. {"fast": [5, 10], "slow": [20, 50]}).

    Returns one row per combination: the parameter columns, ``metric`` (the chosen statistic, NaN
    if undefined) and total_return_pct, sharpe, max_drawdown_pct, trades. ``run_kwargs`` go to
    run_backtest. Pivot with ``heatmap`` for a 2-D view. Cancelling raises BacktestCancelled.
    """
    combos = param_combinations(grid, constraint)
    rows = []
    for i, combo in enumerate(combos):
        if should_cancel is not None and should_cancel():
            raise BacktestCancelled("grid search cancelled")
        res = run_backtest(
            data,
            strategy,
            {**dict(base_params or {}), **combo},
            progress=_scaled(progress, i / len(combos), (i + 1) / len(combos)),
            should_cancel=should_cancel,
            **run_kwargs,
        )
        key = metric_key(metric, res.stats)
        row = dict(combo)
        row["metric"] = res.stats.get(key, np.nan)
        for k in ("total_return_pct", "sharpe", "max_drawdown_pct", "trades"):
            row[k] = res.stats.get(k, np.nan)
        rows.append(row)
    if progress is not None:
        progress(1.0)
    table = pd.DataFrame(rows)
    table.attrs["metric"] = metric
    return table


def heatmap(table: pd.DataFrame, x: str, y: str, value: str = "metric") -> pd.DataFrame:
    """Pivot a grid-search table: rows ``y``, columns ``x``, cells ``value`` (max over other params)."""
    return table.pivot_table(index=y, columns=x, values=value, aggfunc="max")


def best_params(table: pd.DataFrame, params: Sequence[str]) -> dict[str, Any]:
    """Parameters of the row with the highest metric (NaN rows ignored; first row if all NaN)."""
    scores = table["metric"].astype(float)
    idx = int(scores.idxmax()) if scores.notna().any() else 0
    return {p: _plain(table.loc[idx, p]) for p in params}


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass
class WalkForwardResult:
    """Per-window table, the chained out-of-sample equity, and the IS-vs-OOS comparison."""

    windows: pd.DataFrame
    oos_equity: pd.Series
    summary: dict[str, Any]

    def to_dict(self, max_points: int | None = 20_000) -> dict[str, Any]:
        rows = []
        for row in self.windows.to_dict("records"):
            rows.append(
                {
                    k: (pd.Timestamp(v).isoformat() if isinstance(v, pd.Timestamp) else json_value(v))
                    for k, v in row.items()
                }
            )
        return {
            "windows": rows,
            "oos_equity": curve_points(self.oos_equity, max_points),
            "summary": {
                k: json_scalar(v) if not isinstance(v, dict) else json_value(v)
                for k, v in self.summary.items()
            },
        }


def _span(value: int | str | pd.Timedelta, times: pd.DatetimeIndex, i: int) -> int:
    """Index ``value`` bars (int) or ``value`` time (str / Timedelta) after position ``i``."""
    if isinstance(value, (int, np.integer)):
        return i + int(value)
    return int(times.searchsorted(times[i] + pd.Timedelta(value), side="left"))


def _span_back(value: int | str | pd.Timedelta, times: pd.DatetimeIndex, i: int) -> int:
    """Start position of a window of ``value`` bars / time that ends just before position ``i``."""
    if isinstance(value, (int, np.integer)):
        return max(i - int(value), 0)
    return int(times.searchsorted(times[i] - pd.Timedelta(value), side="left"))


def _slice(data: Data, t0: pd.Timestamp, t1: pd.Timestamp | None) -> dict[str, pd.DataFrame]:
    frames = {"ASSET": data} if isinstance(data, pd.DataFrame) else dict(data)
    out = {}
    for code, df in frames.items():
        mask = df.index >= t0
        if t1 is not None:
            mask &= df.index < t1
        if mask.any():
            out[code] = df[mask]
    return out


def walk_forward(
    data: Data,
    strategy: str | Strategy | type[Strategy],
    grid: Mapping[str, Sequence[Any]],
    *,
    train: int | str | pd.Timedelta,
    test: int | str | pd.Timedelta,
    metric: str = "sharpe",
    anchored: bool = False,
    constraint: Callable[[dict[str, Any]], bool] | None = None,
    base_params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    **run_kwargs: Any,
) -> WalkForwardResult:
    """Rolling (or ``anchored``) walk-forward: optimise ``grid`` on each in-sample window of
    ``train`` (bars as int, or a duration like "365D"), then test the best parameters on the next
    ``test`` window. The out-of-sample run uses the in-sample bars only to warm up indicators
    (trading starts at the window start). OOS equity segments are chained into one curve.

    summary: is_metric_mean, oos_metric_mean, efficiency (OOS/IS mean; well below 1 suggests
    overfitting), and the chained OOS curve's performance.
    """
    frames = {"ASSET": data} if isinstance(data, pd.DataFrame) else dict(data)
    times = pd.DatetimeIndex(sorted(set().union(*(df.index for df in frames.values()))))
    cash = make_settings(**run_kwargs).cash
    names = list(grid)
    plans = []
    b = _span(train, times, 0)
    while b < len(times):
        c = min(_span(test, times, b), len(times))
        a = 0 if anchored else _span_back(train, times, b)
        plans.append((a, b, c))
        b = c
    if not plans:
        raise ValueError("not enough data for one train + test window")
    rows, segments = [], []
    level = float(cash)
    for w, (a, b, c) in enumerate(plans):
        lo, hi = w / len(plans), (w + 1) / len(plans)
        t_end = times[c] if c < len(times) else None
        table = grid_search(
            _slice(frames, times[a], times[b]),
            strategy,
            grid,
            metric=metric,
            constraint=constraint,
            base_params=base_params,
            progress=_scaled(progress, lo, lo + 0.8 * (hi - lo)),
            should_cancel=should_cancel,
            **run_kwargs,
        )
        chosen = best_params(table, names)
        is_metric = float(table["metric"].max()) if table["metric"].notna().any() else float("nan")
        oos = run_backtest(
            _slice(frames, times[a], t_end),
            strategy,
            {**dict(base_params or {}), **chosen},
            start=times[b],
            progress=_scaled(progress, lo + 0.8 * (hi - lo), hi),
            should_cancel=should_cancel,
            **run_kwargs,
        )
        key = metric_key(metric, oos.stats)
        eq = oos.equity.astype(float)
        if len(eq):
            segments.append(eq / float(cash) * level)
            level = float(segments[-1].iloc[-1])
        rows.append(
            {
                "window": w,
                "is_start": times[a],
                "is_end": times[b - 1],
                "oos_start": times[b],
                "oos_end": times[c - 1],
                "params": chosen,
                "is_metric": is_metric,
                "oos_metric": oos.stats.get(key, np.nan),
                "oos_return_pct": oos.stats.get("total_return_pct", np.nan),
                "oos_trades": oos.stats.get("trades", 0),
            }
        )
    windows = pd.DataFrame(rows)
    oos_equity = pd.concat(segments) if segments else pd.Series(dtype=float)
    is_mean = float(windows["is_metric"].astype(float).mean())
    oos_mean = float(windows["oos_metric"].astype(float).mean())
    summary: dict[str, Any] = {
        "metric": metric,
        "windows": len(windows),
        "is_metric_mean": is_mean,
        "oos_metric_mean": oos_mean,
        "efficiency": oos_mean / is_mean
        if is_mean and np.isfinite(is_mean) and is_mean != 0
        else float("nan"),
        "oos": performance(oos_equity, float(cash)) if len(oos_equity) else {},
    }
    if progress is not None:
        progress(1.0)
    return WalkForwardResult(windows, oos_equity, summary)
