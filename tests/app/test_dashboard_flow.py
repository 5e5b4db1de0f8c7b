"""The dashboard in headless Chromium against a running paper market: ranking → trade → orders → search."""

from __future__ import annotations

import time

import pytest
from support.browser import click, grid_rows, set_input, wait_until
from support.orders import account_reads

pytestmark = pytest.mark.browser


def test_ranking_trade_orders_search_and_mobile(paper_dash_app, browser_login, monkeypatch):
    duo = browser_login(paper_dash_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/ranking")

    # Ranking: TOP 50 rows by 거래대금, ranked.
    duo.wait_for_text_to_equal("h1", "거래대금 실시간 랭킹", timeout=15)
    rows = wait_until(lambda: (r := grid_rows(duo, "ranking-grid")) and len(r) == 50 and r, what="50 rows")
    assert [r["rank"] for r in rows] == list(range(1, 51))
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True)
    # Red up / blue down on the price cells.
    up = [r for r in rows if r["change"] > 0]
    if up:
        cell = duo.find_element(f".ag-row[row-id='{up[0]['code']}'] [col-id='price']")
        assert "text-up" in cell.get_attribute("class")
    # The US-linked filter is disabled without a morning report.
    assert duo.find_element("#ranking-us-up").get_attribute("disabled") is not None

    # Filter by one sector: only that sector remains.
    duo.select_dcc_dropdown("#ranking-sectors", value="반도체")
    wait_until(
        lambda: (r := grid_rows(duo, "ranking-grid")) and {x["sector"] for x in r} == {"반도체"},
        what="only 반도체 rows",
    )
    code = grid_rows(duo, "ranking-grid")[0]["code"]

    # A row click opens its trade page.
    duo.find_element("h1").click()  # closes the sector menu
    click(duo, f".ag-row[row-id='{code}'] [col-id='label']")
    wait_until(lambda: duo.driver.current_url.endswith(f"/trade/{code}"), what="trade page url")
    duo.wait_for_element("#trade-book .ob-level", timeout=15)
    assert duo.find_element("#trade-code-label").text.strip() == code
    assert duo.find_element("#trade-mode").text.startswith("모의")

    # A marketable limit order at the best ask (click level → click 주문) fills; the position appears.
    set_input(duo, "#order-price", "1")
    ask0 = int(duo.find_element("#ob-ask-0").get_attribute("data-price"))
    click(duo, "#ob-ask-0")
    wait_until(lambda: duo.find_element("#order-price").get_attribute("value") != "1", what="price set")
    click(duo, "#order-submit")
    wait_until(lambda: duo.find_elements("#trade-fills .fill-row"), what="a fill")
    wait_until(lambda: duo.find_element("#pos-qty").text == "1", what="position of 1")
    wait_until(lambda: duo.find_elements("#trade-toasts .toast"), what="a toast")

    # Sell at a deeper ask level: it rests and appears in open orders; 취소 removes it.
    click(duo, "label[for='_dbcprivate_radioitems_order-side_input_sell']")
    set_input(duo, "#order-price", "1")
    click(duo, "#ob-ask-4")
    price = wait_until(
        lambda: (v := duo.find_element("#order-price").get_attribute("value")) != "1" and v, what="price set"
    )
    assert int(price) > ask0
    click(duo, "#order-submit")
    wait_until(
        lambda: price in duo.find_element("#trade-open-orders .oo-row").text.replace(",", ""),
        what="open order",
    )
    click(duo, "#trade-open-orders .oo-cancel")
    wait_until(lambda: duo.find_elements("#oo-empty"), what="open orders empty")

    # Quantity 0: the reason is shown and nothing is created.
    n_orders = len(live_broker_orders())
    set_input(duo, "#order-qty", "0")
    click(duo, "#order-submit")
    duo.wait_for_contains_text("#order-feedback", "1주 이상", timeout=10)
    time.sleep(0.5)
    assert len(live_broker_orders()) == n_orders

    # Above settings.order_confirm_amount (10,000,000 by default) the order asks first; 취소 sends nothing.
    click(duo, "label[for='_dbcprivate_radioitems_order-side_input_buy']")
    big_qty = 10_000_000 // int(price) + 1  # just above the confirmation amount at this price
    set_input(duo, "#order-qty", str(big_qty))
    click(duo, "#order-submit")
    wait_until(lambda: f"× {big_qty:,}" in duo.find_element("#order-confirm-text").text, what="confirmation")
    click(duo, "#order-confirm-cancel")
    time.sleep(0.5)
    assert len(live_broker_orders()) == n_orders

    # Search: ㅅㅅㅈㅈ finds 삼성전자; Enter opens its trade page.
    box = duo.find_element(".stock-search input")
    box.send_keys("ㅅㅅㅈㅈ")
    first = wait_until(lambda: duo.find_elements(".stock-search-item"), what="search results")
    assert "삼성전자" in first[0].text
    box.send_keys("\ue007")  # Enter
    wait_until(lambda: duo.driver.current_url.endswith("/trade/005930"), what="삼성전자 trade page")
    duo.wait_for_text_to_equal("#trade-name", "삼성전자", timeout=10)

    # 390 px: stacked layout, the order panel is visible.
    duo.driver.set_window_size(390, 844)
    panel = duo.find_element("#order-panel")
    duo.driver.execute_script("arguments[0].scrollIntoView()", panel)
    assert panel.is_displayed()
    assert panel.size["width"] <= 390
    assert duo.find_element("#order-submit").is_displayed()


def live_broker_orders():
    return account_reads("trader").orders()
