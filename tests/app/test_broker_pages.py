"""The pages in a browser on an embedded app with BROKER=kis and BROKER=kiwoom against the fake servers
(the whole listing): the ranking shows the TOP 50, a sector filter that sector's own stocks, a stock
outside the ranking opens with its quote and book, and the trade page marks the data stale while the
broker's websocket is down and live again after the reconnect; a limit order shows in open orders and its
fill, heard on the websocket, in fills and the position within 2 s."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fakes.fake_base import listing_universe
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.broker_pages import fake_credentials, rest_then_fill, sector_top
from support.browser import grid_rows, wait_until

from trading.stocks import read_listing

SECTOR_OF = {s.code: s.sector_code for s in read_listing()}


@pytest.fixture(params=["kis", "kiwoom"])
def broker_app(request, app_settings) -> Iterator[tuple[object, object]]:
    from app.runtime import runtime
    from app.server import create_app

    kind = request.param
    key = f"k-{uuid.uuid4().hex[:8]}"
    fake = (FakeKis if kind == "kis" else FakeKiwoom)(
        "mock", app_keys={key: "s"}, universe=listing_universe()
    )
    fake.start()
    creds = fake_credentials(kind, fake, key)
    settings = app_settings.model_copy(
        update={"broker": kind, "broker_ranking_refresh_s": 1.0, "broker_sweep_per_s": 50.0,
                "broker_ws_max_reconnect_s": 0.5, "order_session_check": "off", **creds}
    )  # fmt: skip
    app = create_app(settings)
    yield app, fake
    runtime().close()
    fake.stop()


def test_ranking_sector_filter_and_a_stock_outside_the_ranking(broker_app, browser_login):
    app, fake = broker_app
    duo = browser_login(app)
    rows = wait_until(lambda: len(r := grid_rows(duo, "ranking-grid")) >= 50 and r, 20, "the TOP 50")
    assert [r["code"] for r in rows[:50]] == fake.ranked()[:50]
    top = {r["code"] for r in rows}

    sector_top(
        duo, fake, "UTIL", SECTOR_OF
    )  # a small sector (유틸리티): its stocks outside the TOP are swept quickly

    code = next(c for c in fake.ranked()[::-1] if c not in top and c in SECTOR_OF)
    duo.driver.get(f"{duo.server.url}/trade/{code}")
    price = f"{fake.prices[code]:,}"
    wait_until(lambda: duo.find_element("#trade-price").text == price, 15, "the quote")
    wait_until(
        lambda: duo.find_element("#ob-ask-0").text and duo.find_element("#ob-bid-0").text, 5, "the book"
    )
    badge = duo.find_element("#trade-stale")
    assert not badge.is_displayed()

    kind = fake.tick_frame(code, 1)[0]
    wait_until(lambda: code in fake.subscribers(kind), 10, "the websocket registration")
    fake.push_ticks(code, [fake.prices[code] + 1000])
    new = f"{fake.prices[code] + 1000:,}"
    wait_until(lambda: duo.find_element("#trade-price").text == new, 5, "the pushed tick")

    fake.kill_websockets(refuse=True)
    wait_until(lambda: duo.find_element("#trade-stale").is_displayed(), 4, "the stale badge")
    assert duo.find_element("#trade-stale").text == "지연 데이터"
    fake.ws_refuse = False
    wait_until(lambda: not duo.find_element("#trade-stale").is_displayed(), 15, "live again")


def test_a_limit_order_rests_then_its_websocket_fill_shows_within_2s(broker_app, browser_login):
    from app.runtime import runtime
    from db.repositories.accounts import bind, ensure_broker_account
    from trading.orders.naming import broker_account

    app, fake = broker_app
    rt = runtime()
    name = broker_account(rt.settings)
    ensure_broker_account(rt.engine, name, rt.settings.broker, rt.settings.broker_env)
    bind(rt.engine, name, "trader", "test")  # an admin binds the test user
    duo = browser_login(app)
    duo.wait_for_element("#nav-user", timeout=15)
    code = "000660"
    duo.driver.get(f"{duo.server.url}/trade/{code}")
    wait_until(lambda: duo.find_element("#trade-price").text == f"{fake.prices[code]:,}", 15, "the quote")
    rest_then_fill(duo, fake, code, 3)
