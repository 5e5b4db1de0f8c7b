"""The real pages in headless Chromium: login required, login works, navigation, language switch."""

from __future__ import annotations

from selenium.webdriver.common.by import By


def test_login_required_then_login_navigation_and_language(dash_app, browser_login, dash_duo):
    duo = browser_login(dash_app)
    # After login the home page is the ranking; the stock master is one navbar click away.
    duo.wait_for_element("#nav-ranking", timeout=15)
    duo.find_element("#nav-stocks").click()
    duo.wait_for_text_to_equal("h1", "종목 마스터", timeout=15)
    duo.wait_for_element("#stocks-grid .ag-row", timeout=15)
    assert "2,555" in duo.find_element("p").text
    assert duo.find_element("#mode-badge").text.startswith("모의")

    # Navigation: the navbar link opens the sector mapping page.
    duo.find_element("#nav-sectors").click()
    duo.wait_for_text_to_equal("h1", "미국 ETF → 한국 섹터 매핑", timeout=10)
    rows = duo.find_elements("#sector-map-table tbody tr")
    assert len(rows) == 14 and any("SOXX" in r.text and "반도체" in r.text for r in rows)

    # Language switch: English, then back to Korean.
    duo.find_element("#lang-en").click()
    duo.wait_for_text_to_equal("h1", "US ETF → Korean sector mapping", timeout=10)
    assert duo.find_element("#nav-stocks").text == "Stocks"
    duo.find_element("#lang-ko").click()
    duo.wait_for_text_to_equal("h1", "미국 ETF → 한국 섹터 매핑", timeout=10)


def test_pages_need_login_in_the_browser(dash_app, dash_duo, open_login_page):
    open_login_page(dash_app, "/sectors")
    dash_duo.wait_for_element("#login-form", timeout=10)
    assert "/login" in dash_duo.driver.current_url
    # A wrong password shows the reason and stays on the form.
    dash_duo.find_element("#username").send_keys("trader")
    dash_duo.find_element("#password").send_keys("wrong-password")
    dash_duo.find_element("#login-submit").click()
    err = dash_duo.wait_for_element("#login-error", timeout=10)
    assert "올바르지 않습니다" in err.text
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#sector-map-table") == []


def test_stock_filters_run_in_the_browser(dash_app, browser_login):
    duo = browser_login(dash_app)
    duo.wait_for_element("#nav-stocks", timeout=15).click()
    duo.wait_for_element("#stocks-grid .ag-row", timeout=15)
    duo.select_dcc_dropdown("#stocks-sector", index=1)  # 반도체
    duo.wait_for_text_to_equal("#stocks-count", "반도체", timeout=10)
    sectors = {c.text for c in duo.find_elements("#stocks-grid .ag-row [col-id='sector']")}
    assert sectors == {"반도체"}
