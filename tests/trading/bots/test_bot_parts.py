"""The bot's parts without a market: config checks per field, exits on prices, bars from ticks, and the
crossing rule on the backtest's own signals."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from services.bot_admin import check_strategy
from trading.bots.bars import BarBuilder, BarHistory, bucket_start
from trading.bots.config import BotConfigError, Exits, parse_bot
from trading.bots.decide import decide
from trading.bots.exits import exit_reason, mark
from trading.bots.sizing import entry_shares
from trading.bots.store import BotPosition
from trading.domain import KST, Tick
from trading.strategies.registry import get_strategy

GOOD = {"name": "b", "strategy": "ma_cross", "params": {"fast": 5, "slow": 20},
        "universe": {"kind": "codes", "codes": ["005930"]}}  # fmt: skip


def _errors(**changes: object) -> dict[str, tuple[str, str]]:
    raw = {**GOOD, **changes}
    with pytest.raises(BotConfigError) as err:
        parse_bot(raw, check_strategy)
    return err.value.errors


def test_a_good_config_round_trips_through_its_stored_form():
    cfg = parse_bot({**GOOD, "exits": {"stop_loss_pct": 3, "protect_arm_pct": 5, "protect_floor_pct": 1}},
                    check_strategy)  # fmt: skip
    again = parse_bot(cfg.to_dict(), check_strategy)
    assert again == cfg and cfg.params == {"fast": 5, "slow": 20} and cfg.bar_minutes == 1


@pytest.mark.parametrize(
    ("changes", "field", "ko"),
    [
        ({"strategy": "nope"}, "strategy", "알 수 없는 전략"),
        ({"params": {"fast": "five"}}, "params", "파라미터"),
        ({"params": {"nope": 1}}, "params", "파라미터"),
        ({"universe": {"kind": "codes", "codes": []}}, "universe.codes", "하나 이상"),
        ({"universe": {"kind": "codes", "codes": ["59"]}}, "universe.codes", "형식"),
        ({"universe": {"kind": "top", "n": 0}}, "universe.n", "0보다"),
        ({"universe": {"kind": "top", "n": 500}}, "universe.n", "TOP N"),
        ({"universe": {"kind": "sector", "n": 10, "sector": "XX"}}, "universe.sector", "섹터"),
        ({"universe": {"kind": "moon"}}, "universe.kind", "종목 범위"),
        ({"exits": {"stop_loss_pct": 0}}, "exits.stop_loss_pct", "0보다"),
        ({"exits": {"stop_loss_pct": -2}}, "exits.stop_loss_pct", "0보다"),
        ({"exits": {"take_profit_pct": "x"}}, "exits.take_profit_pct", "숫자"),
        ({"exits": {"protect_arm_pct": 2, "protect_floor_pct": 3}}, "exits.protect_floor_pct", "낮아야"),
        ({"sizing": {"kind": "fixed", "value": -1_000}}, "sizing.value", "0보다"),
        ({"sizing": {"kind": "percent", "value": 150}}, "sizing.value", "100%"),
        ({"sizing": {"kind": "all"}}, "sizing.kind", "fixed"),
        ({"limits": {"max_positions": 0}}, "limits.max_positions", "0보다"),
        ({"limits": {"cooldown_bars": -1}}, "limits.cooldown_bars", "음수"),
        ({"timeframe": "2m"}, "timeframe", "봉 주기"),
        ({"name": ""}, "name", "이름"),
        ({"stale": {"alert_after_s": 30, "exit_after_s": 10}}, "stale.exit_after_s", "늦어야"),
    ],
)
def test_bad_configs_are_refused_with_a_message_per_field(changes, field, ko):
    errors = _errors(**changes)
    assert field in errors, errors
    assert ko in errors[field][0] and errors[field][1]


def test_several_bad_fields_are_all_reported_at_once():
    errors = _errors(strategy="nope", universe={"kind": "codes", "codes": []}, exits={"stop_loss_pct": 0},
                     sizing={"kind": "fixed", "value": -5})  # fmt: skip
    assert {"strategy", "universe.codes", "exits.stop_loss_pct", "sizing.value"} <= set(errors)


def _pos(avg: int = 10_000, qty: int = 10) -> BotPosition:
    return BotPosition(
        1, "005930", 1, qty, avg * qty, datetime(2026, 12, 1, 9, 5, tzinfo=KST), high_price=avg
    )


def test_stop_loss_take_profit_and_trailing_fire_at_their_prices():
    ex = Exits(stop_loss_pct=2.0, take_profit_pct=5.0, trailing_pct=3.0)
    p = _pos()
    assert exit_reason(p, ex, 9_810) is None
    assert exit_reason(p, ex, 9_800) == "stop_loss"
    assert exit_reason(p, ex, 10_500) == "take_profit"
    mark(p, ex, 10_400)  # a new high; 3% below it is 10,088
    assert exit_reason(p, ex, 10_100) is None and exit_reason(p, ex, 10_088) == "trailing"


def test_the_strategys_own_stop_wins_over_the_bots():
    p = _pos()
    p.sl_pct = 1.0
    assert exit_reason(p, Exits(stop_loss_pct=5.0), 9_900) == "stop_loss"


def test_profit_protection_arms_above_and_exits_below_with_hysteresis():
    ex = Exits(protect_arm_pct=3.0, protect_floor_pct=1.0)
    p = _pos()
    mark(p, ex, 10_200)
    assert not p.protect_armed and exit_reason(p, ex, 10_050) is None  # never armed: no exit
    mark(p, ex, 10_300)
    assert p.protect_armed
    assert exit_reason(p, ex, 10_150) is None  # between the floor and the arm: still held
    assert exit_reason(p, ex, 10_100) == "protect"


def _tick(t: datetime, price: int, vol: int = 10, code: str = "005930") -> Tick:
    return Tick(code, t, 1, price, vol, 0, 0)


def test_bars_close_on_time_and_on_the_next_bars_tick():
    t0 = datetime(2026, 12, 1, 9, 0, 5, tzinfo=KST)
    b = BarBuilder(1)
    for i, price in enumerate((100, 105, 98, 101)):
        b.add(_tick(t0 + timedelta(seconds=10 * i), price))
    assert b.close_until(t0 + timedelta(seconds=50)) == []  # 09:00:55: the bar is still open
    b.add(_tick(t0 + timedelta(seconds=60), 102))  # 09:01:05 closes 09:00
    bars = b.close_until(t0 + timedelta(seconds=60))
    assert [(x.open, x.high, x.low, x.close, x.volume) for x in bars] == [(100, 105, 98, 101, 40)]
    assert bars[0].time == datetime(2026, 12, 1, 9, 0, tzinfo=KST)
    assert [x.close for x in b.close_until(datetime(2026, 12, 1, 9, 2, tzinfo=KST))] == [102]
    assert bucket_start(datetime(2026, 12, 1, 10, 17, 3, tzinfo=KST), 15).minute == 15


def _bars(closes: list[float]) -> pd.DataFrame:
    idx = pd.date_range("2026-12-01 09:00", periods=len(closes), freq="min", tz="Asia/Seoul")
    c = np.array(closes, dtype=float)
    return pd.DataFrame({"Open": c, "High": c, "Low": c, "Close": c, "Volume": np.ones(len(c))}, index=idx)


def test_a_sticky_target_is_acted_on_at_its_crossing_only():
    strat = get_strategy("ma_cross")
    closes = [10, 10, 10, 10, 9, 8, 9, 11, 12, 13, 14, 15, 16]
    seen = []
    for n in range(3, len(closes) + 1):
        seen.append(decide(strat, {"fast": 2, "slow": 4}, _bars(closes[:n])).action)
    assert seen.count("buy") == 1  # the cross above; every bar after it says "long" and is not an order
    assert seen[-1] is None


def test_sizing_fixed_percent_and_atr_give_whole_shares():
    from trading.bots.config import Sizing

    assert entry_shares(Sizing("fixed", 1_000_000), 73_000, 0) == 13
    assert entry_shares(Sizing("percent", 10), 50_000, 10_000_000) == 20
    frame = _bars([100 + (i % 3) for i in range(30)])
    assert entry_shares(Sizing("atr", 1, 14), 100, 1_000_000) == 0  # no bars, no ATR
    assert entry_shares(Sizing("atr", 1, 14), 100, 1_000_000, frame) > 0


def test_the_history_builds_one_frame_per_bar_and_keeps_the_lookback():
    h = BarHistory(lookback=5)
    b = BarBuilder(1)
    t = datetime(2026, 12, 1, 9, 0, tzinfo=KST)
    for i in range(8):
        b.add(_tick(t + timedelta(minutes=i), 100 + i))
    for bar in b.close_until(t + timedelta(minutes=10)):
        h.append(bar)
    f = h.frame("005930")
    assert list(f["Close"]) == [103, 104, 105, 106, 107] and h.frame("005930") is f
