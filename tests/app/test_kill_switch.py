"""The navbar's kill switch in headless Chromium on the paper market: two clicks halt the account and
cancel its open orders, an order is then refused with the reason, and a confirmed resume lifts it."""

from __future__ import annotations

import pytest
from support.browser import click, set_input, wait_until

pytestmark = pytest.mark.browser


def accept_confirmation(duo) -> None:  # noqa: ANN001 - dash_duo
    wait_until(lambda: _alert(duo), what="the confirmation dialog").accept()


def _alert(duo):  # noqa: ANN001, ANN202
    try:
        return duo.driver.switch_to.alert
    except Exception:  # noqa: BLE001 - not shown yet
        return None


def test_kill_switch_cancels_open_orders_halts_and_resume_lifts_it(paper_dash_app, browser_login):
    duo = browser_login(paper_dash_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/trade/005930")
    duo.wait_for_element("#trade-book .ob-level", timeout=15)
    assert not duo.find_element("#risk-state").is_displayed()

    # A buy resting at the deepest bid: it shows in open orders.
    set_input(duo, "#order-price", "1")
    click(duo, "#ob-bid-4")
    wait_until(lambda: duo.find_element("#order-price").get_attribute("value") != "1", what="price set")
    click(duo, "#order-submit")
    wait_until(lambda: duo.find_elements("#trade-open-orders .oo-row"), what="an open order")

    # The kill switch: button, then the confirmation.
    click(duo, "#kill-button")
    accept_confirmation(duo)
    wait_until(lambda: duo.find_element("#risk-state").text == "거래 정지", what="HALTED badge")
    assert "취소" in duo.find_element("#risk-message").text
    wait_until(lambda: duo.find_elements("#oo-empty"), what="open orders cancelled")

    # A new order is refused with the reason; nothing is created.
    set_input(duo, "#order-price", "1")
    click(duo, "#ob-bid-4")
    wait_until(lambda: duo.find_element("#order-price").get_attribute("value") != "1", what="price set")
    click(duo, "#order-submit")
    duo.wait_for_contains_text("#order-feedback", "거래 정지", timeout=10)
    assert duo.find_elements("#oo-empty")

    # Resume (confirmed): the badge goes, orders pass again.
    click(duo, "#resume-button")
    accept_confirmation(duo)
    wait_until(lambda: not duo.find_element("#risk-state").is_displayed(), what="badge hidden")
    click(duo, "#order-submit")
    wait_until(lambda: duo.find_elements("#trade-open-orders .oo-row"), what="an open order again")
