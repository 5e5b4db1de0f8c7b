"""Strategy API, built-ins and user-file discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trading.backtest import run_backtest
from trading.domain import Bar, Market
from trading.strategies import LiveAdapter, Strategy, get_strategy, list_strategies, strategy

BUILTIN_NAMES = {"ma_cross", "macd", "rsi", "quarter_lines", "sector_follow"}


def daily(n: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 10_000 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    return pd.DataFrame(
        {
            "Open": open_,
            "High": np.maximum(open_, close) * 1.01,
            "Low": np.minimum(open_, close) * 0.99,
            "Close": close,
            "Volume": 1.0,
        },
        index=pd.bdate_range("2024-01-02", periods=n),
    )


def test_builtins_listed_with_defaults() -> None:
    infos = {i.name: i for i in list_strategies()}
    assert set(infos) >= BUILTIN_NAMES
    assert infos["ma_cross"].params == {"fast": 10, "slow": 20}
    assert infos["macd"].params == {"fast": 12, "slow": 26, "signal": 9}
    assert set(infos["rsi"].params) == {"period", "lower", "upper"}
    assert infos["ma_cross"].to_dict()["source"] == "builtin"


@pytest.mark.parametrize("name", ["ma_cross", "macd", "rsi", "quarter_lines"])
def test_no_look_ahead(name: str) -> None:
    """Signals up to bar i do not change when later bars are appended."""
    data = daily()
    strat = get_strategy(name)
    full = strat.run_signals(data)
    for cut in (60, 150, 299):
        part = strat.run_signals(data.iloc[:cut])
        pd.testing.assert_frame_equal(part, full.iloc[:cut])


def test_unknown_param_rejected() -> None:
    with pytest.raises(ValueError, match="unknown parameter"):
        get_strategy("ma_cross").resolve_params({"fats": 3})


def test_quarter_lines_intraday_uses_todays_range_so_far() -> None:
    idx = pd.date_range("2025-03-04 09:00", periods=6, freq="min")
    # running range after bar 2: high 110, low 90 → 25% line 95, 75% line 105
    high = [100, 110, 100, 100, 100, 110]
    low = [90, 95, 95, 90, 90, 90]
    close = [95, 105, 95, 94, 106, 100]
    df = pd.DataFrame(
        {"Open": close, "High": high, "Low": low, "Close": close, "Volume": 1.0}, index=idx, dtype=float
    )
    sig = get_strategy("quarter_lines").run_signals(df, {"min_bars": 3})
    assert sig["target"].tolist() == [0, 0, 1, 1, 0, 0]


def test_quarter_lines_daily_uses_previous_day_range() -> None:
    df = pd.DataFrame(
        {
            "Open": [100, 100, 100],
            "High": [120, 100, 100],
            "Low": [80, 85, 85],
            "Close": [100, 89, 112],
            "Volume": 1.0,
        },
        index=pd.bdate_range("2025-03-03", periods=3),
        dtype=float,
    )
    # day 1: yesterday 80..120 → 25% line 90: close 89 buys; day 2: 85..100 → 75% line 96.25: 112 sells
    assert get_strategy("quarter_lines").run_signals(df)["target"].tolist() == [0, 1, 0]


def test_sector_follow_buys_picks_at_the_open_and_exits_at_the_close() -> None:
    df = daily(10)
    days = df.index
    picks = {
        days[3].date(): ["005930", "000660"],
        days[4].date(): ["000660"],
        days[7].strftime("%Y-%m-%d"): ["005930"],
    }
    res = run_backtest(
        {"005930": df.round(-1)},
        "sector_follow",
        {"picks": picks, "hold": 1},
        markets={"005930": Market.KOSPI},
        fill="close",
    )
    trades = res.trades
    assert list(trades["entry_time"]) == [days[3], days[7]]
    assert list(trades["exit_time"]) == [days[3], days[7]]
    assert list(trades["entry_price"]) == [int(v) for v in df.round(-1)["Open"].iloc[[3, 7]]]
    assert list(trades["exit_price"]) == [int(v) for v in df.round(-1)["Close"].iloc[[3, 7]]]
    held = run_backtest(
        {"005930": df.round(-1)},
        "sector_follow",
        {"picks": picks, "hold": 2},
        markets={"005930": Market.KOSPI},
    )
    assert list(held.trades["exit_time"]) == [days[4], days[8]]


def test_sector_follow_stop_loss() -> None:
    idx = pd.bdate_range("2025-03-03", periods=3)
    df = pd.DataFrame(
        {
            "Open": [10_000, 10_000, 10_000],
            "High": [10_000, 10_100, 10_000],
            "Low": [10_000, 9_400, 10_000],
            "Close": [10_000, 9_900, 10_000],
            "Volume": 1.0,
        },
        index=idx,
        dtype=float,
    )
    res = run_backtest(
        {"A": df},
        "sector_follow",
        {"picks": {idx[1]: ["A"]}, "sl": 0.05, "hold": 1},
        markets={"A": Market.KOSPI},
    )
    assert res.trades["exit_price"].iloc[0] == 9_500


def test_live_adapter_matches_vectorised_signals() -> None:
    data = daily(120)
    strat = get_strategy("ma_cross")
    full = strat.run_signals(data, {"fast": 5, "slow": 12})["target"]
    live = LiveAdapter(strat, {"fast": 5, "slow": 12}, lookback=100)
    live.init(data.iloc[:40])
    for t, row in data.iloc[40:].iterrows():
        got = live.next(Bar("A", t.to_pydatetime(), row.Open, row.High, row.Low, row.Close, int(row.Volume)))
        assert got == full.loc[t]


def test_function_strategy_decorator() -> None:
    @strategy("above_open", params={"k": 1})
    def above_open(data: pd.DataFrame, k: int) -> pd.Series:
        return (data["Close"] > data["Open"]).astype(float) * k

    strat = above_open()
    assert isinstance(strat, Strategy) and strat.name == "above_open"
    assert strat.run_signals(daily(5))["target"].isin([0, 1]).all()


GOOD = """
import pandas as pd
from trading.strategies import Strategy, strategy

class Always(Strategy):
    name = "always_long"
    params = {"x": 1}
    def signals(self, data, x=1):
        return pd.Series(1.0, index=data.index)

@strategy("never", params={})
def never(data):
    return pd.Series(0.0, index=data.index)
"""


def test_user_folder_discovery_reports_broken_files(tmp_path, monkeypatch) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("import nonexistent_module_xyz\n")
    (tmp_path / "syntax.py").write_text("def f(:\n")
    (tmp_path / "dupe.py").write_text(GOOD.replace("always_long", "ma_cross").replace('"never"', '"never2"'))
    (tmp_path / "_private.py").write_text("raise SystemExit\n")
    infos = {(i.name, i.source.rsplit("/", 1)[-1]): i for i in list_strategies(tmp_path)}
    assert infos[("always_long", "good.py")].error is None
    assert infos[("never", "good.py")].params == {}
    assert "ModuleNotFoundError" in infos[("broken", "broken.py")].error
    assert "SyntaxError" in infos[("syntax", "syntax.py")].error
    assert "already taken" in infos[("ma_cross", "dupe.py")].error
    assert not any(src == "_private.py" for _, src in infos)
    monkeypatch.setenv("GSLTS_STRATEGIES_DIR", str(tmp_path))
    assert get_strategy("always_long").signals(daily(3)).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="failed to load"):
        get_strategy("broken")
    with pytest.raises(KeyError):
        get_strategy("no_such_strategy")


def test_shipped_example_strategies_load_and_run() -> None:
    infos = {i.name: i for i in list_strategies() if i.source != "builtin"}
    assert infos["donchian_breakout"].error is None and infos["above_sma"].error is None
    res = run_backtest({"A": daily()}, "donchian_breakout", {"n": 20})
    assert res.stats["trades"] >= 1
