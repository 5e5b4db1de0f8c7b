"""/auto in headless Chromium on the demo market at speed 120, the real app with its bot runner: a stored
backtest's "이 전략으로 자동매매" pre-fills the form, the bot is created and started, and signal → order →
fill show in its decision log; the navbar's kill switch then halts the account and the bot."""

from __future__ import annotations

import pytest
from support.browser import accept_confirmation, click, grid_rows, set_input, wait_until
from support.owner import prepare_database

from db.engine import make_engine
from db.repositories import backtests as runs_repo

pytestmark = pytest.mark.browser

CONFIG = {
    "universe": {"kind": "top", "top": 20},
    "data": "minute",
    "sizing": {"kind": "fixed", "value": 2_000_000},
}
RESULT = {
    "run": {"start": "2026-01-05", "end": "2026-01-30", "data": "minute", "cash": 10_000_000, "names": {}},
    "equity": [["2026-01-05", 10_000_000], ["2026-01-30", 10_100_000]],
    "drawdown": [["2026-01-05", 0.0], ["2026-01-30", -0.5]],
    "trades": [],
}
STATS = {"total_return_pct": 1.0, "max_drawdown_pct": -0.5, "trades": 0, "final_equity": 10_100_000}


@pytest.fixture
def auto_app(tmp_path, monkeypatch):
    """The embedded app on a fresh database whose demo market runs at 120× and owns the bot runner."""
    from app.runtime import runtime
    from app.server import create_app
    from trading.config import load_settings

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    prepare_database(url)
    settings = load_settings(database_url=url, data_dir=tmp_path / "data", redis_url=None, market_speed=120.0)
    app = create_app(settings)
    runtime().become_owner()
    yield app
    runtime().close()


def _store_run(url: str) -> int:
    engine = make_engine(url)
    try:
        run_id = runs_repo.create_run(
            engine, "ma_cross", {"fast": 2, "slow": 4}, CONFIG, user="trader", name="cross"
        )
        assert runs_repo.claim_run(engine, run_id) is not None
        assert runs_repo.finish_run(engine, run_id, STATS, RESULT)
        return run_id
    finally:
        engine.dispose()


def select_bot(duo, bot_id: int, name: str) -> None:  # noqa: ANN001
    """Click the bot's row in the table; the detail shows it."""
    click(duo, f'#auto-bots .ag-row[row-id="{bot_id}"] .ag-cell[col-id="name"]', timeout=15)
    duo.wait_for_contains_text("#auto-summary", name, timeout=10)


def _kinds(duo) -> set[str]:  # noqa: ANN001
    return {row.get_attribute("data-kind") for row in duo.find_elements("#auto-decisions .auto-decision")}


def test_backtest_to_bot_to_fills_then_the_kill_switch_halts_it(auto_app, browser_login):
    from app.runtime import runtime

    run_id = _store_run(runtime().settings.database_url)
    duo = browser_login(auto_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    assert duo.find_element("#nav-auto").text == "자동매매"

    # The stored run on /backtest, and its button to /auto.
    duo.driver.get(duo.server.url + "/backtest")
    click(duo, f'#bt-runs .ag-row[row-id="{run_id}"] .ag-cell[col-id="name"]', timeout=15)
    duo.wait_for_element("#bt-auto", timeout=15)
    assert duo.find_element("#bt-auto").text == "이 전략으로 자동매매"
    click(duo, "#bt-auto")

    # The form is pre-filled from the run; a bad stop first shows its Korean error under the field.
    duo.wait_for_contains_text("#auto-from-run", f"백테스트 #{run_id}", timeout=15)
    assert duo.find_element("#auto-name").get_attribute("value") == f"ma_cross #{run_id}"
    assert '"fast": 2' in duo.find_element("#auto-params").get_attribute("value")
    assert duo.find_element("#auto-top-n").get_attribute("value") == "20"
    assert not duo.find_element("#auto-codes").is_displayed()  # a TOP N universe takes no codes
    assert "봇은 항상 모의(PAPER) 모드로 시작합니다" in duo.find_element("#auto-beginner").text
    set_input(duo, "#auto-stop-loss", "-1")
    click(duo, "#auto-create")
    error = '[id*="exits.stop_loss_pct"]'
    wait_until(lambda: duo.find_element(error).text == "0보다 커야 합니다", what="the stop's error")
    assert grid_rows(duo, "auto-bots") == []
    set_input(duo, "#auto-stop-loss", "5")
    click(duo, "#auto-create")
    duo.wait_for_contains_text("#auto-form-message", "만들었습니다", timeout=10)
    wait_until(lambda: duo.find_element(error).text == "", what="the error cleared")
    rows = wait_until(lambda: grid_rows(duo, "auto-bots"), what="the bot in the table")
    assert [(r["name"], r["mode"], r["status"]) for r in rows] == [
        (f"ma_cross #{run_id}", "모의(PAPER)", "stopped")
    ]
    duo.wait_for_contains_text("#auto-paper-days", "0/5 모의 거래일", timeout=10)

    # Promotion is refused with the reason (no paper days yet), without a confirmation.
    click(duo, "#auto-promote")
    duo.wait_for_contains_text("#auto-message", "모의(PAPER) 거래일이 0일입니다", timeout=10)

    # Start: signals, orders and fills appear in the decision log.
    click(duo, "#auto-start")
    duo.wait_for_contains_text("#auto-message", "실행 중", timeout=10)
    wait_until(lambda: {"signal", "order", "fill"} <= _kinds(duo), timeout=90, what="signal → order → fill")
    wait_until(lambda: duo.find_elements("#auto-orders .auto-order"), what="the bot's orders")
    row = wait_until(lambda: grid_rows(duo, "auto-bots")[0], what="the row")
    assert row["status"] == "running" and row["last_bar"] != "-"
    feed = '#auto-bots .ag-row[row-id="1"] .ag-cell[col-id="feed_text"]'
    wait_until(
        lambda: "text-success" in duo.find_element(feed).get_attribute("class"), what="a fresh feed (green)"
    )
    row = grid_rows(duo, "auto-bots")[0]
    assert row["feed_age"] is not None and row["feed_age"] < row["stale_alert"]
    assert duo.find_element("#auto-risk-state").text == "정상(ACTIVE)"

    # The navbar's kill switch: the account HALTED on the risk panel, the bot halted, no open orders.
    click(duo, "#kill-button")
    accept_confirmation(duo)
    duo.wait_for_text_to_equal("#auto-risk-state", "거래 정지(HALTED)", timeout=10)
    wait_until(lambda: grid_rows(duo, "auto-bots")[0]["status"] == "halted", what="the bot halted")
    halted = grid_rows(duo, "auto-bots")[0]
    assert halted["open_orders"] == 0 and halted["status_text"].startswith("거래 정지(HALTED)")
    wait_until(lambda: duo.find_element("#auto-summary [data-status]").get_attribute("data-status") == "halted",
               what="the detail says halted")  # fmt: skip
    states = {el.text for el in duo.find_elements("#auto-orders .auto-order-state")}
    assert states and not states & {"sent", "open", "unknown"}
    assert duo.find_element("#auto-risk-reason").text == "사유: kill switch (page)"
    click(duo, "#auto-start")  # a halted account's bot does not start again
    duo.wait_for_contains_text("#auto-message", "계좌가 거래 정지(HALTED) 상태입니다", timeout=10)


def _bot() -> int:
    from app.runtime import runtime
    from services import bot_admin

    raw = {"name": "watch me", "strategy": "ma_cross", "params": {"fast": 5, "slow": 20},
           "universe": {"kind": "codes", "codes": ["005930"]}, "timeframe": "5m"}  # fmt: skip
    return bot_admin.create(runtime().engine, runtime().settings, "trader", raw)


def test_edit_in_english_with_errors_per_field(auto_app, browser_login):
    bot_id = _bot()
    duo = browser_login(auto_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/lang/en")
    duo.driver.get(duo.server.url + "/auto")
    duo.wait_for_text_to_equal("#nav-auto", "Auto trading", timeout=15)
    assert "Bots always start in paper mode" in duo.find_element("#auto-beginner").text
    select_bot(duo, bot_id, "watch me")

    click(duo, "#auto-pause")  # a stopped bot does not pause: the reason, in English
    duo.wait_for_contains_text("#auto-message", "only a running bot can be paused", timeout=10)
    click(duo, "#auto-load-edit")
    wait_until(lambda: duo.find_element("#auto-name").get_attribute("value") == "watch me", what="loaded")
    assert duo.find_element("#auto-codes").get_attribute("value") == "005930"
    assert (
        duo.find_element("#auto-codes").is_displayed() and not duo.find_element("#auto-top-n").is_displayed()
    )
    set_input(duo, "#auto-max-positions", "0")
    set_input(duo, "#auto-params", '{"fast": "x"}')
    click(duo, "#auto-save")
    wait_until(lambda: duo.find_element('[id*="limits.max_positions"]').text == "must be > 0, got 0",
               what="the limit's error")  # fmt: skip
    assert "parameter fast must be a number" in duo.find_element('[id*="\\"params\\""]').text
    set_input(duo, "#auto-max-positions", "2")
    set_input(duo, "#auto-params", '{"fast": 3, "slow": 9}')
    click(duo, "#auto-save")
    duo.wait_for_contains_text("#auto-form-message", f"Saved version 2 of bot {bot_id}", timeout=10)
    duo.wait_for_contains_text("#auto-summary", "v2", timeout=10)


def test_viewers_see_bots_but_no_buttons(auto_app, browser_login):
    from support.owner import PASSWORD

    bot_id = _bot()
    duo = browser_login(auto_app, username="viewer", password=PASSWORD)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/auto")
    rows = wait_until(lambda: grid_rows(duo, "auto-bots"), timeout=15, what="the bots")
    assert [(r["id"], r["name"]) for r in rows] == [(str(bot_id), "watch me")]
    select_bot(duo, bot_id, "watch me")
    for button in ("#auto-start", "#auto-pause", "#auto-stop", "#auto-promote", "#auto-create", "#auto-save"):
        assert not duo.find_element(button).is_displayed(), button
    assert "조회 전용" in duo.find_element("#auto-viewer").text
