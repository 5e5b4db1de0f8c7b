"""The /backtest page in headless Chromium on an embedded app with generated daily bars:
run → progress → results (sentence, cards, trades), compare two runs, bad input, English."""

from __future__ import annotations

from datetime import date

import pytest
from selenium.webdriver.common.by import By
from support.browser import click, grid_rows, set_input
from support.browser import wait_until as _wait_until

from db.engine import make_engine
from db.repositories import backtests as runs
from db.repositories.bars import store_history
from trading.market.history import generate_history
from trading.market.stocks import load_listing

pytestmark = pytest.mark.browser

END = date(2026, 11, 20)


@pytest.fixture
def backtest_app(app_settings, dash_app):
    engine = make_engine(app_settings.database_url)
    stocks = [s for s in load_listing() if s.code in ("005930", "000660")]
    store_history(engine, generate_history(stocks, end=END, years=1, minute_days=0, seed=11))
    engine.dispose()
    return dash_app


def _engine(app):
    from app.runtime import runtime

    return runtime().engine


def wait_until(fn, timeout: float = 30.0, what: str = "condition"):  # noqa: ANN001, ANN201
    """``browser_helpers.wait_until`` with this page's longer default (runs compute in the background)."""
    return _wait_until(fn, timeout, what)


def param(name: str) -> str:
    return f'input[id*=\'"name":"{name}"\']'


def _open(duo, app) -> None:
    duo.wait_for_element("#nav-user", timeout=30)
    duo.driver.get(duo.server.url + "/backtest")
    duo.wait_for_text_to_equal("h1", "백테스트", timeout=30)


def _run_and_wait(duo) -> str:
    """Click 실행, wait for this run's result; the plain sentence."""
    before = {e.text for e in duo.find_elements("#bt-started")}
    click(duo, "#bt-run")
    started = wait_until(
        lambda: [e.text for e in duo.find_elements("#bt-started") if e.text not in before], what="started"
    )[0]
    run_id = started.split()[0]  # "#3 실행을 시작했습니다." / "Run #3 started."
    if not run_id.startswith("#"):
        run_id = started.split()[1]
    wait_until(
        lambda: duo.find_element("#bt-result h2").text.startswith(f"{run_id} "), 90, f"result of {run_id}"
    )
    return duo.find_element("#bt-sentence").text


def test_run_a_backtest_see_results_and_compare(backtest_app, browser_login):
    duo = browser_login(backtest_app)
    _open(duo, backtest_app)
    assert "과거 성과가 미래 수익을 보장하지 않습니다" in duo.find_element("#bt-intro").text
    assert duo.find_element("#nav-backtest").text == "백테스트"
    # ma_cross on two stocks with daily bars over the last year (the default preset)
    set_input(duo, "#bt-codes", "005930, 000660")
    set_input(duo, param("fast"), "5")
    set_input(duo, param("slow"), "20")
    dates = "#bt-dates"  # Dash 4: the range's start-date input carries the id
    assert duo.find_element(dates).get_attribute("value") == "2025-11-21"
    duo.driver.find_element(By.XPATH, "//label[text()='3개월']").click()
    wait_until(lambda: duo.find_element(dates).get_attribute("value") == "2026-08-22", what="3M preset")
    duo.driver.find_element(By.XPATH, "//label[text()='1년']").click()
    wait_until(lambda: duo.find_element(dates).get_attribute("value") == "2025-11-21", what="1Y preset")
    text = _run_and_wait(duo)
    assert text.startswith("1년 동안(2025-11-21 ~ 2026-11-20) 이 전략을 썼다면 수익률 ")
    assert (
        "최대 손실 -" in text
        and "같은 종목을 사서 그냥 들고 있었다면" in text
        and "1억원으로 시작했다면" in text
    )
    # progress finished; the stored run and the page agree
    assert duo.find_element("#bt-progress .progress-bar").text == "100%"
    assert "완료" in duo.find_element("#bt-status-line").text
    [first] = runs.list_runs(_engine(backtest_app))
    assert first.status == "done" and first.user == "trader"
    stats = first.stats
    ret = duo.find_element("#bt-stat-total_return_pct")
    assert ret.text == f"{stats['total_return_pct']:+.2f}%"
    assert ("text-up" if stats["total_return_pct"] > 0 else "text-down") in ret.get_attribute("class")
    assert duo.find_element("#bt-stat-trades").text == str(stats["trades"])
    assert duo.find_element("#bt-stat-final_equity").text == f"{round(stats['final_equity']):,}원"
    trades = wait_until(lambda: grid_rows(duo, "bt-trades"), what="trade rows")
    assert len(trades) == stats["trades"] > 0
    assert {t["code"] for t in trades} <= {"005930", "000660"} and "삼성전자" in str(
        [t["label"] for t in trades]
    )
    for graph in ("#bt-equity", "#bt-drawdown", "#bt-monthly"):
        duo.wait_for_element(f"{graph} .main-svg", timeout=30)
    history = wait_until(lambda: grid_rows(duo, "bt-runs"), what="history rows")
    assert [r["id"] for r in history] == [str(first.id)] and history[0]["status"] == "완료"

    # a second run with other parameters, then both side by side
    set_input(duo, param("fast"), "10")
    set_input(duo, param("slow"), "40")
    _run_and_wait(duo)
    wait_until(
        lambda: (
            len(runs.list_runs(_engine(backtest_app))) == 2
            and grid_rows(duo, "bt-runs")[0]["status"] == "완료"
        )
    )
    duo.driver.execute_script("dash_ag_grid.getApi('bt-runs').selectAll();")  # one selection event
    table = duo.wait_for_element("#bt-compare-table", timeout=30)
    head = table.find_element("css selector", "thead").text
    second = runs.list_runs(_engine(backtest_app))[0]
    assert f"#{first.id}" in head and f"#{second.id}" in head
    assert f"{second.stats['total_return_pct']:+.2f}%" in table.text
    duo.wait_for_element("#bt-compare-chart .main-svg", timeout=30)
    # and both deleted
    click(duo, "#bt-delete")
    duo.wait_for_text_to_equal("#bt-delete-msg", "2개를 삭제했습니다.", timeout=30)
    wait_until(lambda: grid_rows(duo, "bt-runs") == [], what="empty history")
    assert runs.list_runs(_engine(backtest_app)) == []


def test_bad_input_shows_a_korean_message_and_stores_nothing(backtest_app, browser_login):
    duo = browser_login(backtest_app)
    _open(duo, backtest_app)
    set_input(duo, "#bt-codes", "005930, 999999")
    click(duo, "#bt-run")
    duo.wait_for_text_to_equal("#bt-error-msg", "없는 종목 코드입니다: 999999", timeout=30)
    set_input(duo, "#bt-codes", "005930")
    set_input(duo, param("fast"), "abc")
    click(duo, "#bt-run")
    duo.wait_for_text_to_equal("#bt-error-msg", "파라미터 fast은(는) 숫자여야 합니다 (입력: abc)", timeout=30)
    set_input(duo, param("fast"), "5")
    set_input(duo, "#bt-codes", " ")
    click(duo, "#bt-run")
    duo.wait_for_text_to_equal("#bt-error-msg", "종목 코드를 하나 이상 입력하세요", timeout=30)
    assert runs.list_runs(_engine(backtest_app)) == []
    # a listed stock without stored bars passes the form; the run fails and says why, in Korean
    set_input(duo, "#bt-codes", "005380")
    click(duo, "#bt-run")
    duo.wait_for_text_to_equal(
        "#bt-failed",
        "백테스트가 실패했습니다: 005380의 일봉 데이터가 2025-11-21 ~ 2026-11-20 기간에 없습니다",
        timeout=30,
    )
    assert [r.status for r in runs.list_runs(_engine(backtest_app))] == ["failed"]

    # the same page in English
    duo.driver.get(duo.server.url + "/lang/en?next=/backtest")
    duo.wait_for_text_to_equal("h1", "Backtest", timeout=30)
    set_input(duo, "#bt-codes", "999999")
    click(duo, "#bt-run")
    duo.wait_for_text_to_equal("#bt-error-msg", "unknown stock code(s): 999999", timeout=30)
    set_input(duo, "#bt-codes", "000660")
    text = _run_and_wait(duo)
    assert text.startswith(
        "Had you used this strategy for 1 year (2025-11-21 to 2026-11-20), the return would have been "
    )


PAUSING_STRATEGY = '''
import time
from trading.strategies import Strategy


class Pausing(Strategy):
    """Long above SMA(n), after a pause per stock (so a run lasts long enough to cancel)."""

    name = "pausing"
    params = {"n": 5, "pause": 5.0}

    def signals(self, data, n=5, pause=5.0):
        time.sleep(pause)
        close = data["Close"].astype(float)
        return (close > close.rolling(n).mean()).astype(float)
'''


def test_cancel_a_running_backtest(backtest_app, browser_login, tmp_path, monkeypatch):
    folder = tmp_path / "user_strategies"
    folder.mkdir()
    (folder / "pausing.py").write_text(PAUSING_STRATEGY)
    monkeypatch.setenv("GSLTS_STRATEGIES_DIR", str(folder))
    duo = browser_login(backtest_app)
    _open(duo, backtest_app)
    duo.select_dcc_dropdown("#bt-strategy", value="pausing (pausing.py)")
    duo.wait_for_element(param("pause"), timeout=30)
    set_input(duo, "#bt-codes", "005930, 000660")
    click(duo, "#bt-run")
    wait_until(lambda: duo.find_element("#bt-cancel").is_enabled(), what="cancel enabled while running")
    assert "실행 중" in duo.find_element("#bt-status-line").text
    duo.driver.execute_script("document.getElementById('bt-cancel').click()")
    duo.wait_for_text_to_equal("#bt-cancelled", "백테스트를 취소했습니다.", timeout=30)
    [run] = runs.list_runs(_engine(backtest_app))
    assert run.status == "cancelled" and run.stats is None
    assert not duo.find_element("#bt-cancel").is_enabled()
