"""The /screen page in headless Chromium: per-field errors in Korean, a screen's hits, a row click to /trade."""

from __future__ import annotations

import pytest
from support.browser import click, grid_rows, set_input, wait_until
from support.screen import random_bars, reference_screen

from db.engine import make_engine
from db.repositories import bars as bars_repo
from db.repositories import screens as repo
from services import screens as service
from trading.screen.spec import parse_screen

pytestmark = pytest.mark.browser


@pytest.fixture
def screen_app(app_settings, request):
    engine = make_engine(app_settings.database_url)
    metas = repo.stock_metas(engine)[:300]
    frame = random_bars(metas, 130, seed=21)
    for col in ("open", "high", "low"):
        frame[col] = frame["close"]
    frame["volume"] = 1
    bars_repo.insert_daily_bars(engine, frame)
    engine.dispose()
    service.clear_cache()
    yield request.getfixturevalue("dash_app"), metas, frame
    service.clear_cache()


def test_screen_page_shows_errors_runs_a_screen_and_opens_a_hit(screen_app, browser_login):
    app, metas, frame = screen_app
    duo = browser_login(app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    assert duo.find_element("#nav-screen").text == "스크리너"
    duo.driver.get(duo.server.url + "/screen")
    duo.wait_for_text_to_equal("h1", "종목 스크리너", timeout=15)

    # A bad field: its Korean message under it, no results.
    set_input(duo, "#screen-rsi-max", "300")
    click(duo, "#screen-run")
    duo.wait_for_text_to_equal("#screen-rsi-max-error", "0~100 사이의 값이어야 합니다", timeout=10)
    assert grid_rows(duo, "screen-grid") == []

    # Fixed: the hits are the reference screen's, largest 거래대금 first; the error is gone.
    set_input(duo, "#screen-rsi-max", "60")
    click(duo, "#screen-run")
    want = [c for c, _ in reference_screen(parse_screen({"rsi": {"max": 60}}), metas, frame)]
    assert len(want) == 50
    rows = wait_until(lambda: (r := grid_rows(duo, "screen-grid")) and r, what="screen hits")
    assert [r["code"] for r in rows] == want
    assert all(r["rsi"] <= 60 for r in rows)
    assert duo.find_element("#screen-rsi-max-error").text == ""
    assert "50개 종목" in duo.find_element("#screen-status").text
    up = [r for r in rows if r["change_pct"] > 0]
    if up:
        cell = duo.find_element(f".ag-row[row-id='{up[0]['code']}'] [col-id='change_pct']")
        assert "text-up" in cell.get_attribute("class")
    assert any(s in rows[0]["value_text"] for s in ("조", "억", "만"))

    # A row click opens its trade page.
    code = rows[1]["code"]
    click(duo, f".ag-row[row-id='{code}'] [col-id='label']")
    wait_until(lambda: duo.driver.current_url.endswith(f"/trade/{code}"), what="trade page url")


def test_run_form_in_english(screen_app):
    from app.components.screen_form import run_form, spec_from_form

    assert spec_from_form(
        {"screen-rsi-period": 14, "screen-rsi-max": None, "screen-macd": "", "screen-limit": 50}
    ) == {"limit": 50}
    bad = run_form({"screen-rsi-max": 300, "screen-price-min": -5, "screen-limit": 50}, "en")
    assert bad["errors"]["screen-rsi-max"] == "must be between 0 and 100"
    assert bad["errors"]["screen-price-min"] == "must be at least 0" and bad["rows"] == []
    good = run_form({"screen-rank": 10, "screen-us": "up", "screen-limit": 50}, "en")
    assert good["rows"] == [] and "There is no morning sector report" in str(good["alert"])
    ok = run_form({"screen-rank": 10, "screen-markets": ["KOSPI", "KOSDAQ"], "screen-limit": 50}, "en")
    assert len(ok["rows"]) == 10 and ok["status"].startswith("10 stocks · daily bars of 2026-11-27")
    assert ok["rows"][0]["value_text"].startswith("KRW ")
    assert not any(ok["errors"].values())
