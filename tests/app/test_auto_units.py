"""The pieces of /auto and `gslts bot` that need no browser: the feed's age, the status text, the form's
raw config, the universe inputs shown, and the CLI's universe and sizing shorthands."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.auto import ids
from app.auto.detail import comparisons_table
from app.auto.form import NUMBERS, raw_config, universe_styles
from app.auto.table import bot_row, feed_age, status_text
from app.cli.bot_cmds import parse_sizing, parse_universe
from db.repositories.bots import BotSummary
from services.bot_admin import BotView

NOW = datetime(2026, 3, 3, 10, 0, 0)


def _view(status: str, feed_age_s: float | None, heartbeat_s_ago: float | None, pnl: int = 0,
          comparisons: list | None = None) -> BotView:  # fmt: skip
    beat = None if heartbeat_s_ago is None else NOW - timedelta(seconds=heartbeat_s_ago)
    bot = BotSummary(
        7, "b", "trader", "paper-u1", "paper", 1, status, "", NOW, "ma_cross", "1m",
        {"stale": {"alert_after_s": 10.0}}, beat, NOW, feed_age_s, 0, NOW,
    )  # fmt: skip
    return BotView(bot, [], [], [], pnl, 0, comparisons or [])


def test_the_feed_age_grows_while_the_heartbeat_is_late_and_is_none_when_not_watched():
    assert feed_age(_view("running", 1.0, 3.0), NOW) == pytest.approx(4.0)
    assert feed_age(_view("paused", 0.5, 0.0), NOW) == pytest.approx(0.5)
    assert feed_age(_view("stopped", 1.0, 3.0), NOW) is None
    assert feed_age(_view("running", None, None), NOW) is None
    row = bot_row(_view("running", 12.0, 0.0, pnl=-1500), "ko", NOW)
    assert (row["feed_age"], row["stale_alert"], row["feed_text"]) == (
        12.0,
        10.0,
        "12.0초 전",
    )  # red: past 10 s
    assert (row["pnl_today"], row["pnl_text"], row["mode"], row["timeframe"]) == (
        -1500,
        "-1,500",
        "모의(PAPER)",
        "1분",
    )


def test_the_status_shows_the_reason_of_a_halt_but_not_of_a_button():
    assert status_text("halted", "kill switch: test", "ko") == "거래 정지(HALTED) (kill switch: test)"
    assert status_text("paused", "pause", "ko") == "일시정지"
    assert status_text("stopped", "stop", "en") == "stopped"
    assert status_text("stopped", "3 losses in a row", "en") == "stopped (3 losses in a row)"


def test_the_form_builds_the_raw_config_over_what_it_does_not_show():
    values = {"name": " x ", "strategy": "ma_cross", "params": '{"fast": 2}', "universe": "top", "codes": "",
              "n": 20, "sector": None, "timeframe": "5m", "sizing": "percent", "sizing_value": 10}  # fmt: skip
    numbers = [2, None, "", None, None, 30, 3, 0, None]
    assert len(numbers) == len(NUMBERS)
    base = {"stale": {"alert_after_s": 30}, "sizing": {"atr_period": 20}, "mode": "paper"}
    raw = raw_config(values, numbers, base)
    assert raw["stale"] == {"alert_after_s": 30} and "mode" not in raw
    assert raw["params"] == {"fast": 2} and raw["timeframe"] == "5m"
    assert raw["universe"] == {"kind": "top", "codes": "", "n": 20, "sector": ""}
    assert raw["sizing"] == {"atr_period": 20, "kind": "percent", "value": 10}
    assert raw["exits"] == {"stop_loss_pct": 2, "take_profit_pct": None, "trailing_pct": None,
                            "protect_arm_pct": None, "protect_floor_pct": None, "time_exit_bars": 30}  # fmt: skip
    assert raw["limits"] == {"max_positions": 3, "cooldown_bars": 0, "max_consecutive_losses": None}
    with pytest.raises(ValueError):
        raw_config({**values, "params": "[1, 2]"}, numbers, None)
    with pytest.raises(ValueError):
        raw_config({**values, "params": "{fast"}, numbers, None)


def test_only_the_chosen_universe_inputs_are_shown():
    hidden = {"display": "none"}
    assert universe_styles("codes") == {ids.CODES_BOX: {}, ids.TOP_N_BOX: hidden, ids.SECTOR_BOX: hidden}
    assert universe_styles("sector") == {ids.CODES_BOX: hidden, ids.TOP_N_BOX: {}, ids.SECTOR_BOX: {}}
    assert universe_styles("watchlist") == {
        ids.CODES_BOX: hidden,
        ids.TOP_N_BOX: hidden,
        ids.SECTOR_BOX: hidden,
    }


def test_the_cli_shorthands():
    assert parse_universe("codes:005930,000660") == {"kind": "codes", "codes": ["005930", "000660"]}
    assert parse_universe("top:20") == {"kind": "top", "n": "20", "market": ""}
    assert parse_universe("top:50:KOSDAQ") == {"kind": "top", "n": "50", "market": "KOSDAQ"}
    assert parse_universe("sector:SEMI:10") == {"kind": "sector", "sector": "SEMI", "n": "10"}
    assert parse_universe("report") == {"kind": "report"}
    assert parse_sizing("fixed:1000000") == {"kind": "fixed", "value": "1000000"}
    assert parse_sizing("atr:1:20") == {"kind": "atr", "value": "1", "atr_period": "20"}
    assert parse_sizing("percent") == {"kind": "percent", "value": None}


def test_the_comparisons_table_shows_each_day():
    result = {"matched": 3, "missed": 1, "extra": 0, "avg_slippage_won": 12.5, "avg_slippage_bps": 1.7}
    table = comparisons_table(_view("running", 1.0, 0.0, comparisons=[(NOW.date(), result)]), "ko")
    (row,) = table.children[1].children
    assert [td.children for td in row.children] == ["2026-03-03", 3, 1, 0, "+12.5 (+1.7bp)"]
    empty = comparisons_table(_view("running", 1.0, 0.0), "en")
    assert empty.children == "No comparison yet"


def test_open_positions_show_their_price_and_unrealised_p_and_l(monkeypatch):
    from dataclasses import replace

    from app.auto import detail
    from app.auto.detail import positions_table, summary, unrealised

    monkeypatch.setattr(detail, "_name", lambda code, lang: code)  # the stock master is not loaded here
    from trading.bots.store import BotPosition

    held = [
        BotPosition(7, "005930", 1, 10, 700_000, NOW, NOW, 3, 71_000),  # 10 at 70,000
        BotPosition(7, "000660", 1, 2, 400_000, NOW, NOW, 1, 200_000),  # 2 at 200,000, no price now
    ]
    view = replace(_view("running", 1.0, 0.0, pnl=5_000), positions=held)
    prices = {"005930": 69_500, "000660": None}
    assert unrealised(view, prices) == -5_000  # 10 × (69,500 − 70,000); the stock without a price is left out
    text = str(positions_table(view, "ko", prices))
    assert "69,500" in text and "-5,000" in text and "text-down" in text and "—" in text
    head = str(summary(view, "ko", prices))
    assert "오늘 실현 손익" in head and "평가 손익" in head and "+5,000" in head and "-5,000" in head
    assert "평가 손익" not in str(summary(_view("running", 1.0, 0.0), "ko", {}))  # no position: no 평가 손익
