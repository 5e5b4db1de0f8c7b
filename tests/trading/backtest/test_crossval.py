"""Cross-validation against backtesting.py 0.6.6 on its bundled GOOG data (see README.md mapping)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

pytest.importorskip("backtesting")

from backtesting import Backtest, Strategy  # noqa: E402
from backtesting.lib import crossover  # noqa: E402
from backtesting.test import GOOG, SMA  # noqa: E402

from trading.backtest import run_backtest  # noqa: E402


class SmaCross(Strategy):
    n1 = 10
    n2 = 20

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()


def _reference(commission: float) -> pd.Series:
    bt = Backtest(
        GOOG,
        SmaCross,
        cash=10_000,
        commission=commission,
        exclusive_orders=True,
        trade_on_close=False,
        finalize_trades=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bt.run()


@pytest.mark.parametrize("commission", [0.0, 0.002])
def test_sma_cross_matches_backtesting_py(commission: float) -> None:
    ref = _reference(commission)
    ours = run_backtest(
        {"GOOG": GOOG}, "ma_cross", {"fast": 10, "slow": 20}, cash=10_000, commission=commission, end="open"
    )
    ref_trades = ref._trades
    assert len(ours.trades) == len(ref_trades) == ref["# Trades"]
    assert list(ours.trades["entry_time"]) == list(ref_trades["EntryTime"])
    assert list(ours.trades["exit_time"]) == list(ref_trades["ExitTime"])
    assert list(ours.trades["entry_price"]) == pytest.approx(list(ref_trades["EntryPrice"]), rel=1e-12)
    assert list(ours.trades["exit_price"]) == pytest.approx(list(ref_trades["ExitPrice"]), rel=1e-12)
    assert list(ours.trades["size"]) == list(ref_trades["Size"])
    final = ours.stats["final_equity"]
    assert final == pytest.approx(ref["Equity Final [$]"], rel=1e-4)
    assert ours.stats["trades"] == ref["# Trades"]
    assert ours.stats["win_rate_pct"] == pytest.approx(ref["Win Rate [%]"], rel=1e-9)
    assert ours.stats["max_drawdown_pct"] == pytest.approx(ref["Max. Drawdown [%]"], rel=1e-6)
