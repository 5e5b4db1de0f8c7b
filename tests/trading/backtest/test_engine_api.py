"""run_backtest surface: JSON result, hooks, loaders, tick replay, statistics by hand, optimisation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support.backtest import Scripted

from trading.backtest import (
    BacktestCancelled,
    grid_search,
    heatmap,
    read_csv_bars,
    run_backtest,
    ticks_to_bars,
    walk_forward,
)
from trading.backtest.stats import drawdown_series, max_drawdown_duration, monthly_returns, performance
from trading.domain import KST, Market


def walk(n: int = 600, seed: int = 3, start: str = "2024-01-02") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = np.round(20_000 * np.exp(np.cumsum(rng.normal(0, 0.015, n))) / 10) * 10
    open_ = np.concatenate([[close[0]], close[:-1]])
    idx = pd.bdate_range(start, periods=n)
    return pd.DataFrame(
        {
            "Open": open_,
            "High": np.maximum(open_, close) + 50,
            "Low": np.minimum(open_, close) - 50,
            "Close": close,
            "Volume": 1e4,
        },
        index=idx,
    )


KOSPI = {"A": Market.KOSPI}


def test_to_dict_is_strict_json_with_documented_keys() -> None:
    res = run_backtest({"A": walk()}, "ma_cross", {"fast": 5, "slow": 20}, markets=KOSPI)
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert set(d) == {"stats", "trades", "equity", "drawdown", "monthly", "benchmark", "config"}
    assert set(d["trades"][0]) == {
        "code",
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "size",
        "pnl",
        "return_pct",
        "commission",
        "tax",
    }
    assert isinstance(d["trades"][0]["pnl"], int) and isinstance(d["stats"]["final_equity"], int)
    for key in (
        "total_return_pct",
        "cagr_pct",
        "volatility_pct",
        "sharpe",
        "sortino",
        "max_drawdown_pct",
        "max_drawdown_days",
        "win_rate_pct",
        "profit_factor",
        "avg_trade_pct",
        "exposure_pct",
        "turnover",
        "trades",
        "alpha_pct",
        "beta",
    ):
        assert key in d["stats"]
    assert {"total_return_pct", "alpha_pct", "beta", "equity"} <= set(d["benchmark"])
    assert d["equity"][0][0] == walk().index[0].isoformat()
    assert "2024" in d["monthly"] and "1" in d["monthly"]["2024"]
    assert json.loads(text)["stats"]["trades"] == len(res.trades)


def test_trade_pnl_adds_up_to_final_equity() -> None:
    res = run_backtest({"A": walk()}, "ma_cross", {"fast": 5, "slow": 20}, markets=KOSPI, slippage_ticks=1)
    assert res.stats["final_equity"] == 100_000_000 + int(res.trades["pnl"].sum())
    assert res.stats["commission_total"] == res.trades["commission"].sum()


def test_progress_and_cancel() -> None:
    seen: list[float] = []
    run_backtest({"A": walk()}, "ma_cross", {}, markets=KOSPI, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(BacktestCancelled):
        run_backtest({"A": walk()}, "ma_cross", {}, markets=KOSPI, should_cancel=lambda: True)


def test_read_csv_bars(tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Volume\n2024-01-03,10,11,9,10.5,100\n2024-01-02,9,10,8,9.5,50\n"
    )
    df = read_csv_bars(path)
    assert list(df.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert df.index[0] == pd.Timestamp("2024-01-02") and df["Close"].iloc[1] == 10.5
    res = run_backtest(df, Scripted, {"target": [1, 1]}, cash=100.0, fill="close")
    assert res.trades["size"].iloc[0] == 10  # 100 / 9.5 → 10 whole shares, float prices allowed


def test_ticks_replay_as_bars() -> None:
    times = pd.date_range("2025-03-04 09:00", periods=6, freq="s", tz=KST)
    ticks = pd.DataFrame(
        {"price": [10_000, 10_010, 10_020, 10_010, 10_050, 10_040], "volume": 1}, index=times
    )
    replay = ticks_to_bars(ticks)
    assert (replay["Open"] == replay["Close"]).all()
    res = run_backtest({"A": replay}, Scripted, {"target": [1, 1, 1, 0, 0, 0]}, markets=KOSPI, commission=0)
    trade = res.trades.iloc[0]
    assert (trade["entry_price"], trade["exit_price"]) == (10_010, 10_050)
    assert trade["entry_time"] == times[1]


def test_mixed_markets_rejected() -> None:
    with pytest.raises(ValueError, match="mixing"):
        run_backtest({"A": walk(), "B": walk()}, "ma_cross", {}, markets={"A": Market.KOSPI})


def test_start_only_warms_up_before() -> None:
    df = walk()
    res = run_backtest({"A": df}, "ma_cross", {"fast": 5, "slow": 20}, markets=KOSPI, start=df.index[300])
    assert res.equity.index[0] == df.index[300]
    assert (res.trades["entry_time"] > df.index[300]).all()


def test_statistics_by_hand() -> None:
    idx = pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-29", "2024-04-30"])
    eq = pd.Series([110.0, 99.0, 121.0, 121.0], index=idx)
    perf = performance(eq, 100.0)
    assert perf["total_return_pct"] == pytest.approx(21.0)
    assert perf["max_drawdown_pct"] == pytest.approx(-10.0)
    assert perf["max_drawdown_days"] == pytest.approx(58.0)  # peak 01-31 → recovered 03-29
    monthly = monthly_returns(eq, 100.0)
    assert list(monthly) == ["2024"]
    assert monthly["2024"] == pytest.approx({"1": 10.0, "2": -10.0, "3": 100 * (121 / 99 - 1), "4": 0.0})
    assert drawdown_series(eq, 100.0).tolist() == pytest.approx([0.0, -10.0, 0.0, 0.0])
    assert max_drawdown_duration(pd.Series([0.0, -1.0, -2.0], index=idx[:3])) == pytest.approx(58.0)
    # never back at the starting peak: one drawdown over the whole curve
    assert max_drawdown_duration(pd.Series([-1.0, -2.0, -0.5], index=idx[:3])) == pytest.approx(58.0)


def test_grid_search_table_and_heatmap() -> None:
    calls: list[float] = []
    table = grid_search(
        {"A": walk()},
        "ma_cross",
        {"fast": [3, 5, 8], "slow": [20, 30]},
        metric="total_return",
        markets=KOSPI,
        constraint=lambda p: p["fast"] < p["slow"],
        progress=calls.append,
    )
    assert len(table) == 6 and {"fast", "slow", "metric", "sharpe", "trades"} <= set(table.columns)
    assert table["metric"].tolist() == table["total_return_pct"].tolist()
    hm = heatmap(table, "fast", "slow")
    assert hm.shape == (2, 3)
    assert calls[-1] == 1.0
    with pytest.raises(BacktestCancelled):
        grid_search({"A": walk()}, "ma_cross", {"fast": [3, 5]}, markets=KOSPI, should_cancel=lambda: True)


def test_walk_forward_windows_and_chained_oos_equity() -> None:
    data = {"A": walk(700)}
    wf = walk_forward(
        data, "ma_cross", {"fast": [3, 5], "slow": [20, 40]}, train=250, test=100, markets=KOSPI
    )
    assert len(wf.windows) == 5  # OOS windows start at bars 250, 350, ..., 650
    assert (wf.windows["oos_start"] > wf.windows["is_end"]).all()
    assert wf.oos_equity.index.is_monotonic_increasing
    assert wf.oos_equity.index[0] == data["A"].index[250]
    assert {"is_metric_mean", "oos_metric_mean", "efficiency", "oos"} <= set(wf.summary)
    json.dumps(wf.to_dict(), allow_nan=False)
    anchored = walk_forward(
        data, "ma_cross", {"fast": [3]}, train=250, test=200, anchored=True, markets=KOSPI
    )
    assert (anchored.windows["is_start"] == data["A"].index[0]).all()
