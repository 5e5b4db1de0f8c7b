"""Hand-computed KRX execution cases: tax by year and market, commission, limits, ticks, cash."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.backtest import Scripted, bars

from trading.backtest import kernel as K
from trading.backtest import run_backtest
from trading.backtest.rules import RuleTables
from trading.domain import Market
from trading.krx import move_ticks, round_to_tick, tick_table

# buy at day 1's open, sell at day 3's open (signals at the closes of days 0 and 2)
ROUND_TRIP = [1, 1, 0, 0]


def _run(df: pd.DataFrame, target, market=Market.KOSPI, **kw):
    kw.setdefault("markets", {"A": market})
    params = {"target": target}
    for key in ("sl", "tp", "hold", "entry"):
        if key in kw:
            params[key] = kw.pop(key)
    return run_backtest({"A": df}, Scripted, params, **kw)


@pytest.mark.parametrize(
    ("start", "market", "etf", "tax"),
    [
        ("2024-06-03", Market.KOSPI, False, 1_800),  # 0.03% STT + 0.15% rural = 0.18%
        ("2025-06-02", Market.KOSPI, False, 1_500),  # 0% + 0.15% = 0.15%
        ("2026-06-01", Market.KOSPI, False, 2_000),  # 0.05% + 0.15% = 0.20%
        ("2024-06-03", Market.KOSDAQ, False, 1_800),
        ("2025-06-02", Market.KOSDAQ, False, 1_500),
        ("2026-06-01", Market.KOSDAQ, False, 2_000),
        ("2024-06-03", Market.KONEX, False, 1_000),
        ("2025-06-02", Market.KOSPI, True, 0),  # ETF: no sell tax
    ],
)
def test_sell_tax_and_commission_by_year_and_market(start: str, market: Market, etf: bool, tax: int) -> None:
    df = bars([10_000] * 4, start=start)
    res = _run(df, ROUND_TRIP, market, cash=1_000_150, etfs={"A"} if etf else ())
    (trade,) = res.trades.itertuples()
    assert (trade.size, trade.entry_price, trade.exit_price) == (100, 10_000, 10_000)
    assert trade.commission == 150 + 150  # 0.015% of 1,000,000 each side, floored
    assert trade.tax == tax
    assert trade.pnl == -300 - tax
    assert res.stats["final_equity"] == 1_000_150 - 300 - tax
    assert isinstance(res.equity.iloc[-1], (int,)) or res.equity.dtype == "int64"


def test_tax_keyed_by_settlement_date_at_year_end() -> None:
    # sell fills 2024-12-27 (Fri); T+2 settles 2025-01-02 (12-31 is closed) → the 2025 rate
    df = pd.DataFrame(
        {"Open": 10_000.0, "High": 10_000.0, "Low": 10_000.0, "Close": 10_000.0, "Volume": 1.0},
        index=pd.DatetimeIndex(["2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"]),
    )
    by_settle = _run(df, [1, 1, 0, 0], cash=1_000_150)
    by_trade = _run(df, [1, 1, 0, 0], cash=1_000_150, tax_by="trade")
    assert by_settle.trades["tax"].iloc[0] == 1_500
    assert by_trade.trades["tax"].iloc[0] == 1_800


def test_rate_overrides() -> None:
    df = bars([10_000] * 4)
    res = _run(df, ROUND_TRIP, cash=1_001_000, commission=Fraction(1, 1000), tax=0.001)
    (trade,) = res.trades.itertuples()
    assert trade.size == 100
    assert (trade.commission, trade.tax) == (2_000, 1_000)


def test_buy_blocked_at_upper_limit_then_filled() -> None:
    # base 10,000 → upper 13,000; day 1 opens locked limit-up → no fill; day 2 opens 12,500 → fill
    df = bars([10_000, 13_000, 12_500, 12_500], [10_000, 13_000, 12_500, 12_500])
    res = _run(df, [1, 1, 1, 1], cash=10_000_000)
    (trade,) = res.trades.itertuples()
    assert trade.entry_time == df.index[2]
    assert trade.entry_price == 12_500


def test_buy_price_with_slippage_capped_at_upper_limit() -> None:
    df = bars([10_000, 12_990, 12_990], [10_000, 12_990, 12_990])
    res = _run(df, [1, 1, 1], cash=10_000_000, slippage_ticks=2)
    assert res.trades["entry_price"].iloc[0] == 13_000


def test_sell_blocked_at_lower_limit() -> None:
    # hold from day 1; exit signal at day 1's close; day 2 opens at the lower limit (base 10,000 → 7,000)
    df = bars([10_000, 10_000, 7_000, 7_500], [10_000, 10_000, 7_000, 7_500])
    res = _run(df, [1, 0, 0, 0], cash=10_000_000, end="close")
    trade = res.trades.iloc[0]
    assert trade["exit_time"] == df.index[3]
    assert trade["exit_price"] == 7_500


def test_minute_bars_limit_base_is_previous_days_last_close() -> None:
    idx = pd.DatetimeIndex(
        ["2024-03-04 15:18", "2024-03-04 15:19", "2024-03-05 09:00", "2024-03-05 09:01", "2024-03-05 09:02"]
    )
    o = [9_000, 10_000, 13_000, 12_900, 12_900]
    c = [9_000, 10_000, 13_000, 12_900, 12_900]  # day-1 last close 10,000 → upper 13,000
    df = pd.DataFrame({"Open": o, "High": c, "Low": o, "Close": c, "Volume": 1.0}, index=idx, dtype=float)
    res = _run(df, [0, 1, 1, 1, 1], cash=10_000_000)
    trade = res.trades.iloc[0]
    assert trade["entry_time"] == idx[3]
    assert trade["entry_price"] == 12_900


@pytest.mark.parametrize(
    ("open_", "slip", "buy", "sell"),
    [
        (2_003, 0, 2_005, 2_000),  # off-grid open: buys round up, sells round down
        (2_003, 1, 2_010, 1_999),  # one tick of slippage; the sell crosses the 2,000 band edge
        (2_000, 2, 2_010, 1_998),
        (1_999, 2, 2_005, 1_997),  # buy crosses upward: 1,999 → 2,000 → 2,005
        (50_000, 1, 50_100, 49_950),  # 50,000 band edge: ticks 100 above, 50 below
    ],
)
def test_fill_prices_on_tick_grid(open_: int, slip: int, buy: int, sell: int) -> None:
    df = bars([open_] * 4)
    res = _run(df, ROUND_TRIP, cash=10_000_000, slippage_ticks=slip, commission=0)
    trade = res.trades.iloc[0]
    assert (trade["entry_price"], trade["exit_price"]) == (buy, sell)


def test_generic_data_slippage_in_generic_ticks() -> None:
    df = bars([100.0] * 4)
    res = run_backtest({"A": df}, Scripted, {"target": ROUND_TRIP}, cash=10_000.0, slippage_ticks=2)
    trade = res.trades.iloc[0]
    assert trade["entry_price"] == pytest.approx(100.02)
    assert trade["exit_price"] == pytest.approx(99.98)
    assert trade["size"] == 99  # whole shares: 99 × 100.02 = 9,901.98 <= 10,000


def test_partial_cash_whole_shares_and_leftover() -> None:
    df = bars([30_000] * 4)
    res = _run(df, [1, 1, 1, 1], cash=1_000_000, end="close")
    trade = res.trades.iloc[0]
    assert trade["size"] == 33  # 33 × 30,000 + 148 fee = 990,148 <= 1,000,000 < 34 shares
    assert res.equity.iloc[1] == 1_000_000 - 990_148 + 33 * 30_000  # leftover cash 9,852
    # commission makes the 33rd share unaffordable: 33 × 30,000 + 148 > 990,100
    res2 = _run(df, [1, 1, 1, 1], cash=990_100)
    assert res2.trades["size"].iloc[0] == 32


def test_short_sale_pays_tax_and_profits_from_a_fall() -> None:
    df = bars([10_000, 10_000, 9_000, 9_000], start="2025-06-02")
    res = _run(df, [-1, -1, 0, 0], cash=1_000_150, short=True)
    (trade,) = res.trades.itertuples()
    assert trade.size == -100
    # short sale 1,000,000: fee 150, tax 1,500; cover 900,000: fee 135
    assert (trade.commission, trade.tax) == (285, 1_500)
    assert trade.pnl == 100_000 - 285 - 1_500
    assert _run(df, [-1, -1, 0, 0], cash=1_000_150).trades.empty  # long-only: -1 means flat


def test_fill_at_close() -> None:
    df = bars([10_000, 10_100, 10_200, 10_300], [10_050, 10_150, 10_250, 10_350])
    res = _run(df, [0, 1, 0, 0], cash=10_000_000, fill="close", commission=0)
    trade = res.trades.iloc[0]
    assert (trade["entry_time"], trade["entry_price"]) == (df.index[1], 10_150)
    assert (trade["exit_time"], trade["exit_price"]) == (df.index[2], 10_250)


def test_stop_loss_take_profit_and_hold() -> None:
    # stop 5% below the 10,000 entry → 9,500; day 2's low touches it
    df = bars(
        [10_000, 10_000, 9_900, 9_900],
        [10_000, 10_000, 9_900, 9_900],
        lows=[10_000, 10_000, 9_400, 9_900],
        highs=[10_000, 10_000, 9_950, 9_900],
    )
    stop = _run(df, [1, 1, 1, 1], cash=10_000_000, sl=0.05, commission=0)
    assert (stop.trades["exit_time"].iloc[0], stop.trades["exit_price"].iloc[0]) == (df.index[2], 9_500)
    up = bars([10_000, 10_000, 10_100, 10_100], highs=[10_000, 10_000, 11_000, 10_100])
    take = _run(up, [1, 1, 1, 1], cash=10_000_000, tp=0.05, commission=0)
    assert (take.trades["exit_time"].iloc[0], take.trades["exit_price"].iloc[0]) == (up.index[2], 10_500)
    held = _run(
        bars([10_000, 10_000, 10_100, 10_200, 10_300]), [1, 1, 1, 1, 1], cash=10_000_000, hold=2, commission=0
    )
    assert len(held.trades) == 1  # no re-entry while the target stays 1
    assert (held.trades["exit_time"].iloc[0], held.trades["exit_price"].iloc[0]) == (
        pd.Timestamp("2024-03-06"),
        10_100,
    )


def test_portfolio_shares_cash_sells_before_buys() -> None:
    a = bars([10_000] * 4)
    b = bars([20_000] * 4)
    # A is held from day 1; at day 2's open A is sold and B bought with the freed cash, although
    # B comes first in the stream
    targets = {"B": [0, 1, 1, 1], "A": [1, 0, 0, 0]}
    res = run_backtest(
        {"B": b, "A": a},
        Scripted,
        {"target": targets},
        markets={"A": Market.KOSPI, "B": Market.KOSPI},
        cash=1_000_000,
        commission=0,
        tax=0,
    )
    t = res.trades.set_index("code")
    assert t.loc["A", "size"] == 100 and t.loc["A", "exit_time"] == a.index[2]
    assert t.loc["B", "entry_time"] == b.index[2] and t.loc["B", "size"] == 50
    assert res.stats["final_equity"] == 1_000_000


def test_portfolio_percent_sizing_and_unaligned_indexes() -> None:
    a = bars([10_000] * 6)
    b = bars([20_000] * 4, start="2024-03-06")  # starts two days later
    targets = {"A": [1] * 6, "B": [1] * 4}
    res = run_backtest(
        {"A": a, "B": b},
        Scripted,
        {"target": targets},
        markets={"A": Market.KOSPI, "B": Market.KOSPI},
        cash=1_000_000,
        commission=0,
        sizing="percent:0.5",
    )
    t = res.trades.set_index("code")
    assert t.loc["A", "size"] == 50 and t.loc["B", "size"] == 25
    assert len(res.equity) == 6


@pytest.mark.parametrize("kind", ["all_in", "fixed:300000", "percent:0.3", "atr:0.01"])
def test_sizing_modes_keep_whole_shares_within_cash(kind: str) -> None:
    df = bars([10_000, 10_000, 10_200, 10_100, 10_300, 10_000] * 5)
    res = _run(df, [0] * 20 + [1] * 10, cash=1_000_000, sizing=kind, end="close")
    size = res.trades["size"].iloc[0]
    expected = {"all_in": 98, "fixed:300000": 29, "percent:0.3": 29}  # entry open 10,100
    if kind in expected:
        assert size == expected[kind]
    else:  # 1% of equity per ATR (~140 won here) → about 70 shares
        assert 40 < size < 99


def _bands(on: date, market: Market, etf: bool):
    tables = RuleTables()
    k = tables.table_id(tick_table(on, market, etf))
    hi, tk = tables.tick_arrays()
    return k, hi, tk


@settings(max_examples=300, deadline=None)
@given(
    price=st.integers(1, 3_000_000),
    n=st.integers(-5, 5),
    on=st.sampled_from([date(2020, 1, 2), date(2024, 1, 2)]),
    market=st.sampled_from(list(Market)),
    etf=st.booleans(),
)
def test_kernel_grid_matches_krx_module(price: int, n: int, on: date, market: Market, etf: bool) -> None:
    k, hi, tk = _bands(on, market, etf)
    up = round_to_tick(price, "up", on=on, market=market, etf=etf)
    assert K.round_up(float(price), k, hi, tk) == up
    try:
        down = round_to_tick(price, "down", on=on, market=market, etf=etf)
    except ValueError:
        down = None
    if down is not None:
        assert K.round_down(float(price), k, hi, tk) == down
    try:
        moved = move_ticks(up, n, on=on, market=market, etf=etf)
    except ValueError:
        return
    assert K.move(float(up), n, k, hi, tk) == moved
