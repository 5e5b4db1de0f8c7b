"""The vectorised screen engine against a slow per-stock pandas reference on random bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.screen import random_bars, random_stocks, reference_screen

from trading.screen import engine as E
from trading.screen.spec import parse_screen
from trading.strategies import indicators as ind

N_STOCKS, SESSIONS = 400, 130


@pytest.fixture(scope="module")
def market():
    stocks = random_stocks(N_STOCKS, seed=3)
    bars = random_bars(stocks, SESSIONS, seed=4)
    panel = E.build_panel(stocks, bars["code"].tolist(), bars["day"].tolist(), bars["close"], bars["value"])
    return stocks, bars, panel


def _columns(panel: E.Panel, fn) -> np.ndarray:  # noqa: ANN001
    return np.column_stack([fn(pd.Series(panel.close[:, j])).to_numpy() for j in range(panel.close.shape[1])])


def test_2d_indicators_equal_the_pandas_ones_column_by_column(market):
    _, _, panel = market
    x = panel.close
    assert np.isnan(x[0]).any()  # some stocks start late
    np.testing.assert_array_equal(E.rsi(x, 14), _columns(panel, lambda s: ind.rsi(s, 14)))
    np.testing.assert_array_equal(E.sma(x, 20), _columns(panel, lambda s: ind.sma(s, 20)))
    line, sig = E.macd(x, 12, 26, 9)
    np.testing.assert_array_equal(line, _columns(panel, lambda s: ind.macd(s, 12, 26, 9)[0]))
    np.testing.assert_array_equal(sig, _columns(panel, lambda s: ind.macd(s, 12, 26, 9)[1]))


SPECS = [
    {},
    {"rsi": {"max": 40}},
    {"rsi": {"period": 9, "min": 55, "max": 90}, "markets": ["KOSDAQ"]},
    {"macd_cross": {"direction": "golden", "within": 10}},
    {"macd_cross": {"direction": "dead", "within": 10, "fast": 5, "slow": 35, "signal": 5}},
    {"ma_cross": {"direction": "golden", "within": 5, "fast": 5, "slow": 20}},
    {"ma_cross": {"direction": "dead", "within": 8, "fast": 10, "slow": 60}, "value_rank_max": 200},
    {"sectors": ["반도체", "FIN", "Energy"], "price_min": 5000, "price_max": 200000, "limit": 500},
    {"value_rank_max": 30, "limit": 10},
    {"us_linked": "up", "rsi": {"min": 30}},
    {"rsi": {"max": 70}, "ma_cross": {"within": 20}, "macd_cross": {"within": 20}, "limit": 500},
    {
        "ma_cross": {"fast": 30, "slow": 120, "within": 10},
        "limit": 500,
    },  # the longest window the panel allows
]


@pytest.mark.parametrize("raw", SPECS, ids=[str(i) for i in range(len(SPECS))])
def test_screen_finds_the_same_hits_as_the_per_stock_reference(market, raw):
    stocks, bars, panel = market
    spec = parse_screen(raw)
    us = {"SEMI", "IT", "FIN"}
    got = E.run_screen(spec, panel, us)
    want = reference_screen(spec, stocks, bars, us)
    assert [h.code for h in got] == [c for c, _ in want]
    assert got or raw.get("us_linked") is None or not want  # most specs find something
    for hit, (_, matched) in zip(got, want, strict=True):
        assert set(hit.matched) == set(matched)
        for k, v in matched.items():
            assert hit.matched[k] == (v if isinstance(v, str) else pytest.approx(v, abs=1e-4)), k


def test_most_specs_find_stocks(market):
    _, _, panel = market
    found = [len(E.run_screen(parse_screen(s), panel, {"SEMI"})) for s in SPECS]
    assert sum(1 for n in found if n) >= len(SPECS) - 1, found


def test_hit_fields_rank_and_change(market):
    stocks, bars, panel = market
    hits = E.run_screen(parse_screen({"limit": 500}), panel)
    last = bars[bars["day"] == bars["day"].max()].sort_values(["value", "code"], ascending=[False, True])
    assert [h.code for h in hits] == last["code"].head(500).tolist()
    assert [h.value_rank for h in hits] == list(range(1, len(hits) + 1))
    top = hits[0]
    g = bars[bars["code"] == top.code].sort_values("day")
    closes = g.set_index("day")["close"].reindex(sorted(set(bars["day"]))).ffill()
    assert top.close == int(closes.iloc[-1]) and top.value == int(last["value"].iloc[0])
    assert top.change_pct == pytest.approx((closes.iloc[-1] / closes.iloc[-2] - 1) * 100)
    assert top.to_dict()["code"] == top.code


def test_us_linked_without_a_report_finds_nothing(market):
    _, _, panel = market
    assert E.run_screen(parse_screen({"us_linked": "down"}), panel, None) == []


def test_empty_panel():
    panel = E.build_panel(random_stocks(3), [], [], [], [])
    assert E.run_screen(parse_screen({}), panel) == []
