"""Performance statistics, benchmark and the JSON-ready BacktestResult.

Conventions: percentages are in percent (12.3 = 12.3%); ratios are plain numbers. Daily returns
come from the last equity of each calendar day; they are annualised with 252 days (365 when the
data has weekend sessions, e.g. crypto). Risk-free rate 0. The JSON helpers (``json_scalar``,
``json_value``, ``curve_points``, ``iso_time``) are shared with ``optimize`` and the backtest jobs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def json_scalar(x: Any) -> Any:
    """JSON-safe scalar: numpy → Python, NaN/inf → None."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def iso_time(t: Any) -> str | None:
    """ISO 8601 text of a timestamp; None for None/NaT."""
    return None if t is None or pd.isna(t) else pd.Timestamp(t).isoformat()


def _day_keys(index: pd.DatetimeIndex) -> np.ndarray:
    """Local calendar day (datetime64[D]) of each timestamp."""
    local = index.tz_localize(None) if index.tz is not None else index
    return local.to_numpy().astype("datetime64[D]")


def _last_per_key(series: pd.Series, keys: np.ndarray) -> pd.Series:
    """Last value for each run of equal ``keys`` (the index is sorted, so runs are periods)."""
    if len(keys) == 0:
        return series.iloc[:0]
    ends = np.append(np.flatnonzero(keys[1:] != keys[:-1]), len(keys) - 1)
    return pd.Series(series.to_numpy(dtype=float)[ends], index=series.index[ends])


def daily_equity(equity: pd.Series, start_value: float) -> pd.Series:
    """Last equity per calendar day (indexed by day), preceded by ``start_value`` the day before."""
    if equity.empty:
        return pd.Series(dtype=float)
    keys = _day_keys(pd.DatetimeIndex(equity.index))
    ends = np.append(np.flatnonzero(keys[1:] != keys[:-1]), len(keys) - 1)
    days = keys[ends]
    values = np.concatenate([[float(start_value)], equity.to_numpy(dtype=float)[ends]])
    index = pd.DatetimeIndex(np.concatenate([[days[0] - np.timedelta64(1, "D")], days]))
    return pd.Series(values, index=index, copy=False)


def annual_factor(index: pd.DatetimeIndex) -> int:
    """252 trading days a year, 365 if the data trades on weekends."""
    return 365 if len(index) and (index.dayofweek >= 5).any() else 252


def drawdown_series(equity: pd.Series, start_value: float | None = None) -> pd.Series:
    """Drawdown in percent from the running peak (<= 0), the peak starting at ``start_value``."""
    values = equity.to_numpy(dtype=float)
    floor = values[0] if start_value is None and len(values) else float(start_value or 0.0)
    peak = np.maximum.accumulate(np.maximum(values, floor))
    return pd.Series((values / peak - 1.0) * 100.0, index=equity.index, name="drawdown", copy=False)


def max_drawdown_duration(dd: pd.Series) -> float:
    """Longest peak-to-recovery (or peak-to-end) time, in days."""
    values = dd.to_numpy(dtype=float)
    if len(values) == 0 or not (values < 0).any():
        return 0.0
    times = pd.DatetimeIndex(dd.index).as_unit("ns").asi8
    peaks = np.flatnonzero(values >= 0)
    if len(peaks) == 0:  # under water from the first point to the last
        return float(times[-1] - times[0]) / 86_400e9
    # a drawdown runs from a peak to the next peak (or the end) when bars in between are under water
    ends = np.append(peaks[1:], len(values) - 1)
    under = ends - peaks > 1
    under[-1] = ends[-1] > peaks[-1]
    if not under.any():
        return 0.0
    span = (times[ends[under]] - times[peaks[under]]).max()
    return float(span) / 86_400e9


def _ratios(returns: pd.Series, ann: int) -> dict[str, float]:
    if len(returns) < 2:
        return {"volatility_pct": float("nan"), "sharpe": float("nan"), "sortino": float("nan")}
    mean, std = returns.mean(), returns.std(ddof=1)
    downside = math.sqrt((np.minimum(returns.to_numpy(), 0.0) ** 2).mean())
    return {
        "volatility_pct": std * math.sqrt(ann) * 100.0,
        "sharpe": mean / std * math.sqrt(ann) if std > 0 else float("nan"),
        "sortino": mean / downside * math.sqrt(ann) if downside > 0 else float("nan"),
    }


def _years(index: pd.DatetimeIndex) -> float:
    if len(index) < 2:
        return 0.0
    return (index[-1] - index[0]) / pd.Timedelta(days=365.25)


def _cagr(growth: float, years: float) -> float:
    """Annualised growth in percent; NaN without a time span, inf when it overflows (tiny spans)."""
    if years <= 0 or growth <= 0:
        return float("nan")
    exponent = math.log(growth) / years
    return (math.exp(exponent) - 1.0) * 100.0 if exponent < 700 else float("inf")


def performance(equity: pd.Series, start_value: float, daily: pd.Series | None = None) -> dict[str, float]:
    """Return, CAGR, volatility, Sharpe, Sortino and drawdown figures of an equity curve
    (``daily``: its daily_equity, if already computed)."""
    if equity.empty:
        return {}
    final = float(equity.iloc[-1])
    years = _years(pd.DatetimeIndex(equity.index))
    total = final / start_value - 1.0
    daily = daily_equity(equity, start_value) if daily is None else daily
    rets = daily.pct_change().dropna()
    values = equity.to_numpy(dtype=float)
    peak = np.maximum.accumulate(np.maximum(values, float(start_value)))
    dd = pd.Series((values / peak - 1.0) * 100.0, index=equity.index, copy=False)
    out = {
        "start_value": float(start_value),
        "final_equity": final,
        "peak_equity": float(max(equity.max(), start_value)),
        "total_return_pct": total * 100.0,
        "cagr_pct": _cagr(final / start_value, years),
        "max_drawdown_pct": float(dd.min()),
        "max_drawdown_days": max_drawdown_duration(dd),
    }
    out.update(
        {k: float(v) for k, v in _ratios(rets, annual_factor(pd.DatetimeIndex(daily.index[1:]))).items()}
    )
    return out


def trade_stats(trades: pd.DataFrame) -> dict[str, float]:
    """Win rate, profit factor, average/best/worst trade and cost totals."""
    n = len(trades)
    if n == 0:
        return {
            "trades": 0,
            "win_rate_pct": float("nan"),
            "profit_factor": float("nan"),
            "avg_trade_pnl": float("nan"),
            "avg_trade_pct": float("nan"),
            "best_trade_pct": float("nan"),
            "worst_trade_pct": float("nan"),
            "avg_holding_days": float("nan"),
            "commission_total": 0.0,
            "tax_total": 0.0,
        }
    pnl = trades["pnl"].astype(float)
    gains, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
    held = (pd.to_datetime(trades["exit_time"]) - pd.to_datetime(trades["entry_time"])) / pd.Timedelta(days=1)
    return {
        "trades": n,
        "win_rate_pct": float((pnl > 0).mean() * 100.0),
        "profit_factor": float(gains / losses) if losses > 0 else float("inf") if gains > 0 else float("nan"),
        "avg_trade_pnl": float(pnl.mean()),
        "avg_trade_pct": float(trades["return_pct"].mean()),
        "best_trade_pct": float(trades["return_pct"].max()),
        "worst_trade_pct": float(trades["return_pct"].min()),
        "avg_holding_days": float(held.mean()),
        "commission_total": float(trades["commission"].sum()),
        "tax_total": float(trades["tax"].sum()),
    }


def monthly_returns(equity: pd.Series, start_value: float) -> dict[str, dict[str, float]]:
    """{year: {month: return %}} from month-end equity (the first month against ``start_value``)."""
    if equity.empty:
        return {}
    index = pd.DatetimeIndex(equity.index)
    keys = (index.year * 12 + index.month - 1).to_numpy()
    month_end = _last_per_key(equity, keys).to_numpy()
    prev = np.concatenate([[float(start_value)], month_end[:-1]])
    out: dict[str, dict[str, float]] = {}
    for key, value in zip(np.unique(keys), (month_end / prev - 1.0) * 100.0, strict=True):
        out.setdefault(str(key // 12), {})[str(key % 12 + 1)] = float(value)
    return out


def benchmark_equity(closes: dict[str, pd.Series], index: pd.DatetimeIndex, start_value: float) -> pd.Series:
    """Equal-weight buy-and-hold of the universe from the first bar of ``index`` (each symbol from
    its first close in the window; cash before it), valued on ``index``."""
    if not closes or len(index) == 0:
        return pd.Series(dtype=float)
    parts = []
    for close in closes.values():
        s = close.astype(float)
        s = s[~s.index.duplicated(keep="last")]
        s = s[s.index >= index[0]]
        if s.empty:
            parts.append(np.ones(len(index)))
            continue
        rel = s / s.iloc[0]
        if not (len(rel) == len(index) and rel.index.equals(index)):
            rel = rel.reindex(index, method="ffill").fillna(1.0)
        parts.append(rel.to_numpy())
    return pd.Series(np.mean(parts, axis=0) * float(start_value), index=index, name="benchmark", copy=False)


def alpha_beta(strategy_daily: pd.Series, bench_daily: pd.Series) -> tuple[float, float]:
    """(annualised alpha %, beta) of daily strategy returns regressed on benchmark returns
    (both daily_equity series)."""
    rs = strategy_daily.pct_change().dropna()
    rb = bench_daily.pct_change().dropna()
    joined = pd.concat([rs, rb], axis=1, join="inner").dropna()
    if len(joined) < 2 or joined.iloc[:, 1].var() == 0:
        return float("nan"), float("nan")
    beta = joined.cov().iloc[0, 1] / joined.iloc[:, 1].var()
    ann = annual_factor(pd.DatetimeIndex(joined.index))
    alpha = (joined.iloc[:, 0].mean() - beta * joined.iloc[:, 1].mean()) * ann * 100.0
    return float(alpha), float(beta)


@dataclass
class BacktestResult:
    """Everything a run produces; ``to_dict()`` is JSON-serialisable (CLI ``--json``, DB storage)."""

    stats: dict[str, Any]
    trades: pd.DataFrame
    equity: pd.Series
    drawdown: pd.Series
    monthly: dict[str, dict[str, float]]
    benchmark: dict[str, Any]
    benchmark_equity: pd.Series
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, max_points: int | None = 20_000) -> dict[str, Any]:
        """Keys: stats, trades, equity [[iso, value]], drawdown [[iso, pct]], monthly {year: {month: pct}},
        benchmark {stats..., equity [[iso, value]]}, config. Curves longer than ``max_points`` are
        reduced to daily closes (then thinned evenly); None keeps every point."""
        trades = [
            {
                "code": str(row.code),
                "entry_time": iso_time(row.entry_time),
                "exit_time": iso_time(row.exit_time),
                "entry_price": json_scalar(row.entry_price),
                "exit_price": json_scalar(row.exit_price),
                "size": json_scalar(row.size),
                "pnl": json_scalar(row.pnl),
                "return_pct": json_scalar(row.return_pct),
                "commission": json_scalar(row.commission),
                "tax": json_scalar(row.tax),
            }
            for row in self.trades.itertuples(index=False)
        ]
        bench = {k: json_scalar(v) for k, v in self.benchmark.items()}
        bench["equity"] = curve_points(self.benchmark_equity, max_points)
        return {
            "stats": {k: json_scalar(v) for k, v in self.stats.items()},
            "trades": trades,
            "equity": curve_points(self.equity, max_points),
            "drawdown": curve_points(self.drawdown, max_points),
            "monthly": self.monthly,
            "benchmark": bench,
            "config": json_value(self.config),
        }


def json_value(value: Any) -> Any:
    """JSON-ready copy of nested dicts/lists: keys as text, numbers via json_scalar, other objects as text."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (str, bool, type(None))):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return json_scalar(value)
    return str(value)


def curve_points(series: pd.Series, max_points: int | None) -> list[list[Any]]:
    """[[iso time, value], ...]; longer than ``max_points``: daily closes, then thinned evenly."""
    s = series
    if max_points is not None and len(s) > max_points:
        s = s.groupby(s.index.normalize()).last()
        if len(s) > max_points:
            s = s.iloc[np.unique(np.linspace(0, len(s) - 1, max_points).round().astype(int))]
    values = s.to_numpy()
    return [[pd.Timestamp(t).isoformat(), json_scalar(v)] for t, v in zip(s.index, values, strict=True)]


def build_result(
    *,
    equity: pd.Series,
    exposure: pd.Series,
    trades: pd.DataFrame,
    cash: float,
    closes: dict[str, pd.Series],
    traded_value: float,
    config: dict[str, Any],
    exact: bool = False,
) -> BacktestResult:
    """Assemble statistics, benchmark and tables for a finished run (``exact``: money in whole won)."""
    stats: dict[str, Any] = {}
    if len(equity):
        stats["start"] = iso_time(equity.index[0])
        stats["end"] = iso_time(equity.index[-1])
    daily = daily_equity(equity, cash)
    stats.update(performance(equity, cash, daily))
    stats.update(trade_stats(trades))
    stats["exposure_pct"] = float((exposure.to_numpy() > 0).mean() * 100.0) if len(exposure) else 0.0
    years = _years(pd.DatetimeIndex(equity.index))
    mean_eq = float(equity.astype(float).mean()) if len(equity) else float("nan")
    turnover = traded_value / 2.0 / mean_eq if mean_eq and mean_eq > 0 else float("nan")
    stats["turnover"] = turnover / years if years >= 1.0 / 12 else turnover  # one-way, per year
    if exact:
        for key in ("start_value", "final_equity", "peak_equity", "commission_total", "tax_total"):
            if key in stats and stats[key] == stats[key]:
                stats[key] = round(stats[key])
    bench_eq = benchmark_equity(closes, pd.DatetimeIndex(equity.index), cash)
    bench: dict[str, Any] = {"name": "equal-weight buy & hold"}
    if len(bench_eq):
        bench_daily = daily_equity(bench_eq, cash)
        perf = performance(bench_eq, cash, bench_daily)
        bench.update(
            {
                k: perf[k]
                for k in ("total_return_pct", "cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")
            }
        )
        bench["alpha_pct"], bench["beta"] = alpha_beta(daily, bench_daily)
        stats["alpha_pct"], stats["beta"] = bench["alpha_pct"], bench["beta"]
    return BacktestResult(
        stats=stats,
        trades=trades,
        equity=equity,
        drawdown=drawdown_series(equity, cash) if len(equity) else pd.Series(dtype=float),
        monthly=monthly_returns(equity, cash),
        benchmark=bench,
        benchmark_equity=bench_eq,
        config=config,
    )
