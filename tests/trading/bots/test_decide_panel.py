"""A panel strategy's wide call decides exactly as the strategy on each stock's own frame."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from trading.bots.bars import BarHistory
from trading.bots.decide import decide, decide_panel
from trading.domain import Bar
from trading.strategies.registry import get_strategy

CASES = [
    ("ma_cross", {"fast": 2, "slow": 5}),
    ("ma_cross", {"fast": 5, "slow": 13}),
    ("macd", {"fast": 5, "slow": 13, "signal": 4}),
    ("macd", {}),
    ("rsi", {"period": 6, "lower": 40, "upper": 60}),
    ("rsi", {}),
]


def _history(seed: int, lookback: int = 120) -> tuple[BarHistory, list[str]]:
    """Stocks with histories of different lengths (1 bar up to more than the lookback), whole-won closes
    with flat runs (equal closes make the crossing rules' edge cases)."""
    rng = np.random.default_rng(seed)
    hist = BarHistory(lookback)
    codes = []
    start = datetime(2026, 11, 30, 9, 0)
    for k, n in enumerate([1, 2, 3, 7, 15, 40, 119, 120, 121, 300]):
        code = f"{k:06d}"
        codes.append(code)
        close = 10_000 + np.cumsum(rng.choice([-20, 0, 0, 10, 20], size=n))
        for i, c in enumerate(close):
            t = start + timedelta(minutes=i)
            hist.append(Bar(code, t, int(c), int(c) + 10, int(c) - 10, int(c), 100 + i))
    return hist, codes


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_panel_equals_per_stock(name: str, params: dict, seed: int) -> None:
    hist, codes = _history(seed)
    strategy = get_strategy(name)
    assert strategy.panel
    wide, lengths = hist.wide(codes)
    assert lengths == {
        c: min(hist_len, 120)
        for c, hist_len in zip(codes, [1, 2, 3, 7, 15, 40, 119, 120, 121, 300], strict=True)
    }
    panel = decide_panel(strategy, params, wide, lengths)
    for code in codes:
        assert panel[code] == decide(strategy, params, hist.frame(code)), code


def test_panel_indicators_are_bit_identical() -> None:
    hist, codes = _history(7)
    wide, lengths = hist.wide(codes)
    strategy = get_strategy("macd")
    out = strategy.signals(wide, fast=5, slow=13, signal=4)
    for code in codes:
        alone = strategy.signals(hist.frame(code), fast=5, slow=13, signal=4)
        n = lengths[code]
        got = out["target"][code].to_numpy()[len(wide) - n :]
        np.testing.assert_array_equal(got, alone["target"].to_numpy())


@pytest.mark.parametrize("seed", range(4))
def test_panel_kernels_equal_pandas_bit_for_bit(seed: int) -> None:
    """The compiled panel moving averages against pandas on each column alone: leading NaN (shorter
    histories), flat runs, negative values (the MACD line), every window from 1 to 30."""
    import pandas as pd

    from trading.strategies import indicators as ind

    rng = np.random.default_rng(seed)
    rows, cols = 200, 12
    panel = np.cumsum(rng.choice([-30.0, -5.0, 0.0, 0.0, 5.0, 25.0], size=(rows, cols)), axis=0)
    panel[:, ::3] += 10_000.0
    for j in range(cols):
        panel[: rng.integers(0, rows), j] = np.nan
    frame = pd.DataFrame(panel)
    for n in range(1, 31):
        for fn in (ind.sma, ind.ema, ind.rsi):
            got = fn(frame, n).to_numpy()
            for j in range(cols):
                alone = fn(frame[j].dropna(), n).to_numpy()
                np.testing.assert_array_equal(
                    got[rows - len(alone) :, j], alone, err_msg=f"{fn.__name__}({n}) col {j}"
                )
