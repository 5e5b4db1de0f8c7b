"""The /report and /sectors pages in headless Chromium, on fixed data in the seeded app database."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from support import report_data as rd

from app.runtime import runtime
from db.engine import make_engine, session_scope
from db.models import AuditLog
from db.repositories import reports as repo
from db.repositories.history import save_track_record
from db.repositories.users import add_user
from trading.krx.calendar import krx_sessions
from trading.report import compute_track_record
from workers.report_jobs import build_and_store


@pytest.fixture
def report_app(app_settings, dash_app):
    engine = make_engine(app_settings.database_url)
    rd.insert_fixed_market(engine, seed_master=False)
    history = rd.track_history(krx_sessions(rd.SESSION.replace(day=2), rd.SESSION))
    save_track_record(engine, compute_track_record(history))
    build_and_store(engine, app_settings, rd.SESSION)
    add_user(engine, "viewer", "viewer-password-1", role="viewer")
    engine.dispose()
    return dash_app


def test_report_page_shows_picks_and_links_to_the_trade_page(report_app, browser_login):
    duo = browser_login(report_app)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/report")
    duo.wait_for_text_to_equal("h1", "오늘의 섹터 분석", timeout=15)
    links = duo.find_elements("#report-picks a.report-pick")
    assert [a.text.split("(")[-1].rstrip(")") for a in links] == rd.EXPECTED_PICKS
    assert "투자 권유가 아니며" in duo.find_element("#report-help").text
    assert "2026-11-19" in duo.find_element("#report-data-date").text
    assert duo.driver.find_elements(By.CSS_SELECTOR, "#report-simulated") == []
    up = duo.find_elements("#report-kr .kr-up .text-up")
    down = duo.find_elements("#report-kr .kr-down .text-down")
    assert up and all("강세 예상" in e.text for e in up) and down and "약세 예상" in down[0].text
    assert "거래대금 1위" in duo.find_element("#report-picks").text
    assert "2.5조" in duo.find_element("#report-picks").text
    assert duo.find_elements("#report-track-table tbody tr") and duo.find_element("#report-track-picks")
    href = links[0].get_attribute("href")
    assert href.endswith("/trade/005930")
    # A DOM click on the link (the small headless window puts it below the sticky navbar).
    duo.driver.execute_script("arguments[0].click()", links[0])
    WebDriverWait(duo.driver, 10).until(lambda d: d.current_url.endswith("/trade/005930"))


def test_admin_edits_the_mapping(report_app, browser_login):
    duo = browser_login(report_app)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/sectors")
    duo.wait_for_element("#sector-map-form", timeout=15)
    duo.select_dcc_dropdown("#map-etf", value="SMH")
    duo.select_dcc_dropdown("#map-sector", index=1)  # IT
    weight = duo.find_element("#map-weight")
    weight.clear()
    weight.send_keys("0.4")
    duo.find_element("#map-save").click()
    duo.wait_for_contains_text("#map-ok", "SMH → IT", timeout=10)
    assert len(duo.find_elements("#sector-map-table tbody tr")) == 15
    engine = make_engine(runtime().settings.database_url)
    rows = {(m.etf, m.sector_code): m for m in repo.map_rows(engine)}
    assert rows[("SMH", "IT")].weight == pytest.approx(0.4)
    with session_scope(engine) as s:
        last = s.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (last.username, last.action) == ("trader", "sector_map.set")
    engine.dispose()


def test_viewer_sees_the_mapping_read_only(report_app, browser_login):
    duo = browser_login(report_app, "viewer", "viewer-password-1")
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/sectors")
    duo.wait_for_element("#sector-map-readonly", timeout=15)
    assert duo.driver.find_elements(By.CSS_SELECTOR, "#sector-map-form") == []
    assert len(duo.find_elements("#sector-map-table tbody tr")) == 14
