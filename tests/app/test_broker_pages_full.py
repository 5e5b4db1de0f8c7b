"""The pages in a browser in full mode with BROKER=kis and BROKER=kiwoom: `gslts market` (a real process)
owns the broker account and runs the feed against the fake server; the web app reads Redis and orders
through the market's gateway. The ranking shows the TOP 50, a stock outside it opens with its quote and
book, a limit order rests in open orders and its websocket fill shows in fills and the position within 2 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from fakes.fake_base import listing_universe
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.broker_pages import fake_credentials, rest_then_fill, sector_top
from support.browser import grid_rows, wait_until

from trading.stocks import read_listing

pytestmark = pytest.mark.browser
LISTED = {s.code for s in read_listing()}
SECTOR_OF = {s.code: s.sector_code for s in read_listing()}
SECRET = "full-pages-secret"


@pytest.fixture(params=["kis", "kiwoom"])
def full_app(request, app_settings, redis_url, redis_client) -> Iterator[tuple[object, object]]:
    from app.runtime import runtime
    from app.server import create_app

    kind = request.param
    key = f"k-{uuid.uuid4().hex[:8]}"
    fake = (FakeKis if kind == "kis" else FakeKiwoom)(
        "mock", app_keys={key: "s"}, universe=listing_universe()
    )
    fake.start()
    if kind == "kis":
        fake.token_min_interval_s = 0.0
    creds = fake_credentials(kind, fake, key)
    common = {"broker": kind, "broker_env": "mock", "redis_url": redis_url, "secret_key": SECRET,
              "broker_ranking_refresh_s": 1.0, "broker_sweep_per_s": 50.0, "broker_ws_max_reconnect_s": 0.5,
              "order_session_check": "off", "lease_ttl_s": 3.0, **creds}  # fmt: skip
    _forget(redis_client)  # no feed status, ranking or lease left by an earlier run on this Redis DB
    env = {
        **os.environ,
        "DATABASE_URL": app_settings.database_url,
        "DATA_DIR": str(app_settings.data_dir / "m"),
    }
    env.update({k.upper(): str(v) for k, v in common.items()})
    log = open(app_settings.data_dir.parent / "market.log", "w")  # noqa: SIM115 - the child writes it
    market = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "market"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from trading.config import load_settings

    settings = load_settings(database_url=app_settings.database_url, data_dir=app_settings.data_dir, **common)
    app = create_app(settings)
    try:
        yield app, fake
    finally:
        runtime().close()
        market.send_signal(signal.SIGTERM)
        try:
            market.wait(20)
        except subprocess.TimeoutExpired:
            market.kill()
        fake.stop()
        _forget(redis_client)
        log.close()


def _forget(client) -> None:  # noqa: ANN001 - redis.Redis
    for pattern in ("gslts:md:*", "*lease:broker:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


def test_full_mode_pages_with_a_broker(full_app, browser_login):
    app, fake = full_app
    duo = browser_login(app)
    duo.driver.set_window_size(1400, 1000)
    rows = wait_until(lambda: len(r := grid_rows(duo, "ranking-grid")) >= 50 and r, 40, "the TOP 50")
    assert [r["code"] for r in rows[:50]] == fake.ranked()[:50]
    top = {r["code"] for r in rows}
    sector_top(
        duo, fake, "UTIL", SECTOR_OF
    )  # a small sector (유틸리티): its stocks outside the TOP are swept quickly

    code = next(c for c in fake.ranked()[::-1] if c not in top and c in LISTED)
    duo.driver.get(f"{duo.server.url}/trade/{code}")
    wait_until(lambda: duo.find_element("#trade-price").text == f"{fake.prices[code]:,}", 20, "the quote")
    wait_until(
        lambda: duo.find_element("#ob-ask-0").text and duo.find_element("#ob-bid-0").text, 5, "the book"
    )

    rest_then_fill(duo, fake, code, 2)
