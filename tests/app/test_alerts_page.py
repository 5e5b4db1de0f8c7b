"""The alerts flow in the browser: /alerts settings and webhooks (secret shown once, a bad URL refused, a
test send), a fill reaching the webhook, the bell's count and list, a browser notification, the ledger,
mark-all-read, and a price alert set on the trade page."""

from __future__ import annotations

import pytest
from fakes.fake_alerts import WebhookReceiver
from selenium.webdriver.support.ui import Select
from support.browser import click, set_input, wait_until
from support.orders import ctx_for

from db.repositories import alerts as repo
from trading.alerts.events import EventType, Mode
from trading.domain import OrderRequest, OrderType, Side

pytestmark = pytest.mark.browser


def _radio(duo, event: str, label: str) -> None:  # noqa: ANN001
    xpath = f"//div[contains(@id, '\"{event}\"')]//label[normalize-space()='{label}']"
    wait_until(lambda: duo.driver.find_element("xpath", xpath).click() or True, what=f"radio {event} {label}")


def test_alerts_page_bell_ledger_and_price_alert(paper_dash_app, app_settings, browser_login):
    from app.runtime import runtime
    from services.alerts.dispatcher import Dispatcher

    rt = runtime()
    uid = repo.user_ids_by_name(rt.engine, "trader")
    receiver = WebhookReceiver("")
    duo = browser_login(paper_dash_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#alerts-bell", timeout=15)
    duo.driver.get(duo.server.url + "/alerts")
    duo.wait_for_text_to_equal("h1", "알림 설정", timeout=15)

    _radio(duo, "order.accepted", "끄기")
    wait_until(lambda: repo.modes(rt.engine, uid)[EventType.ORDER_ACCEPTED] == Mode.OFF, what="mode saved")
    duo.wait_for_text_to_equal("#alerts-settings-msg", "저장했습니다.", timeout=10)

    set_input(duo, "#alerts-wh-url", "ftp://nowhere")
    click(duo, "#alerts-wh-add")
    wait_until(lambda: "http(s)://" in duo.find_element("#alerts-error").text, what="URL refused")
    assert repo.destinations(rt.engine, uid) == []
    set_input(duo, "#alerts-wh-url", receiver.url)
    click(duo, "#alerts-wh-add")
    shown = wait_until(lambda: duo.find_element("#alerts-secret").text, what="secret shown once")
    receiver.secret = shown.split(": ")[-1].strip()
    assert receiver.secret.startswith("whsec_")
    (dest,) = repo.destinations(rt.engine, uid)
    assert receiver.secret not in (dest.secret_enc or "")  # stored only encrypted
    click(duo, f"button[id*='alerts-dest-test'][id*='\"id\":{dest.id}']")
    duo.wait_for_text_to_equal("#alerts-dest-msg", "테스트 메시지를 보냈습니다.", timeout=10)
    assert [r.id for r in receiver.requests][0].startswith("test:") and receiver.requests[0].signed

    dispatcher = Dispatcher(rt.engine, app_settings).start()
    try:
        _fill_and_price_alert(duo, rt, uid, receiver)
    finally:
        dispatcher.stop()


def _fill_and_price_alert(duo, rt, uid: int, receiver: WebhookReceiver) -> None:  # noqa: ANN001
    rt.gateway().place(
        OrderRequest("005930", Side.BUY, 2, OrderType.MARKET, client_order_id="ui-1"), ctx_for()
    )
    wait_until(lambda: any(e["type"] == "order.filled" for e in receiver.events()), what="webhook fill")
    wait_until(lambda: duo.find_element("#alerts-bell-count").text not in ("", "0"), timeout=10, what="bell")
    shown = wait_until(lambda: duo.driver.execute_script("return window.GSLTS.alertsShown"), what="notify")
    assert shown[0]["title"] == "체결" and "005930" in shown[0]["body"]
    wait_until(lambda: "전송됨" in duo.find_element("#alerts-ledger-table").text, timeout=10, what="ledger")
    assert "체결" in duo.find_element("#alerts-ledger-table").text

    click(duo, "#alerts-bell")
    wait_until(lambda: "005930 매수 2주" in duo.find_element("#alerts-bell-list").text, what="bell list")
    click(duo, "#alerts-read")
    wait_until(lambda: duo.find_element("#alerts-bell-count").text == "", what="all read")
    assert repo.unread_count(rt.engine, uid) == 0

    duo.driver.get(duo.server.url + "/trade/005930")
    duo.wait_for_element("#trade-pa-add", timeout=15)
    set_input(duo, "#trade-pa-value", "-5")
    click(duo, "#trade-pa-add")
    wait_until(lambda: "1원 이상" in duo.find_element("#trade-pa-msg").text, what="bad price refused")
    set_input(duo, "#trade-pa-value", "99000")
    click(duo, "#trade-pa-add")
    wait_until(lambda: "추가했습니다" in duo.find_element("#trade-pa-msg").text, what="price alert added")
    (pa,) = repo.price_alerts(rt.engine, uid)
    assert (pa.code, pa.kind, pa.value, pa.status) == ("005930", "above", 99000.0, "active")
    Select(duo.find_element("#trade-pa-kind")).select_by_value("move_pct")  # ±0.01 %: fires on a tick
    set_input(duo, "#trade-pa-value", "0.01")
    click(duo, "#trade-pa-add")
    wait_until(lambda: "#2" in duo.find_element("#trade-pa-msg").text, what="move alert added")
    wait_until(
        lambda: repo.price_alerts(rt.engine, uid)[1].status == "fired", timeout=15, what="fired on a tick"
    )
    wait_until(
        lambda: any(e["type"] == "price.alert" for e in receiver.events()), what="price alert delivered"
    )
    duo.driver.get(duo.server.url + "/alerts")
    table = wait_until(lambda: duo.find_element("#alerts-pa-table").text, timeout=15, what="listed")
    assert "005930" in table and "발동" in table and "대기" in table
