"""The trade page's live push: /api/v1/stream/<code> (app/stream.py) on a real app and a real market."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import datetime

import pytest

CODE = "005930"


def _events(resp, timeout: float):  # noqa: ANN001, ANN202
    """The stream's data payloads as dicts, until ``timeout`` seconds have passed."""
    end = time.monotonic() + timeout
    buf = b""
    for chunk in resp.response:
        buf += chunk if isinstance(chunk, bytes) else chunk.encode()
        while b"\n\n" in buf:
            block, buf = buf.split(b"\n\n", 1)
            for line in block.decode().splitlines():
                if line.startswith("data: "):
                    yield json.loads(line[6:])
        if time.monotonic() > end:
            return


def _stamp(d: dict) -> datetime:
    return datetime.fromisoformat(d["s"])


def test_stream_needs_a_login(client):
    resp = client.get(f"/api/v1/stream/{CODE}")
    assert resp.status_code == 401
    assert resp.get_json() == {"error": "login required"}


def test_stream_pushes_the_quote_as_it_changes(paper_dash_app, login):
    from app.runtime import runtime
    from app.stream import live_hub

    client = paper_dash_app.server.test_client()
    assert login(client).status_code == 302
    assert client.get("/api/v1/stream/ZZZZZZ").status_code == 404

    resp = client.get(f"/api/v1/stream/{CODE}", buffered=False)
    assert resp.status_code == 200
    assert resp.mimetype == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-cache"
    hub = live_hub(runtime())
    assert hub.watched() == [CODE] and hub.streams == 1
    events = _events(resp, timeout=20)
    first = next(events)  # at once: the current quote and book
    assert first["p"] and first["asks"] and first["bids"] and first["age"]
    md = runtime().market_data()
    assert _stamp(first) <= md.quote(CODE).time
    # Then each new trade print of the code, pushed as the market steps (005930 trades ~2×/s).
    newer = next(d for d in events if "p" in d and _stamp(d) > _stamp(first))
    assert newer["p"].replace(",", "").isdigit()
    assert int(newer["p"].replace(",", "")) > 0
    resp.close()  # the client goes away: the stream ends and lets go of its slot and subscription
    assert hub.watched() == [] and hub.streams == 0


def test_streams_are_capped_per_process(app_settings, login):
    from app.runtime import runtime
    from app.server import create_app

    app = create_app(app_settings.model_copy(update={"live_stream_max": 1}))
    try:
        runtime().become_owner()
        a, b = app.server.test_client(), app.server.test_client()
        login(a)
        login(b)
        first = a.get(f"/api/v1/stream/{CODE}", buffered=False)
        assert first.status_code == 200
        second = b.get(f"/api/v1/stream/{CODE}", buffered=False)
        assert second.status_code == 503 and second.headers["Retry-After"]
        first.close()
        third = b.get(f"/api/v1/stream/{CODE}", buffered=False)
        assert third.status_code == 200
        third.close()
    finally:
        runtime().close()


def test_redis_hub_follows_the_market_channels(redis_url):
    """Full mode's feed: a market publishing over Redis as `gslts market` does; the hub's quote is the
    market's own once the ticks stop (own channel prefix, so other markets on this Redis do not mix in)."""
    from app.stream import RedisHub
    from trading.brokers.base import Channel
    from trading.brokers.paper.broker import PaperBroker
    from trading.brokers.redis_rpc import RedisRpcServer
    from trading.market.clock import DemoClock
    from trading.market.service import MarketService

    prefix = f"gslts-test:{uuid.uuid4().hex[:8]}:"
    service = MarketService(clock=DemoClock(1.0), interval=0.05)
    service.step()
    broker = PaperBroker(service)
    server = RedisRpcServer(None, redis_url, b"test-secret", prefix=prefix)  # type: ignore[arg-type] - publishing only
    codes = [s.code for s in service.stocks]
    for channel in (Channel.TICKS, Channel.BOOKS):
        broker.subscribe(channel, codes, server.publisher(channel))
    service.on_step(server.wake)
    market = lambda c: (broker.quote(c), broker.order_book(c), None)  # noqa: E731
    # A first read that is quick but off (as the recorder's cache can be): the market's own replaces it.
    cache = lambda c: (replace(broker.quote(c), prev_close=1), broker.order_book(c), 3.0)  # noqa: E731
    hub = RedisHub(redis_url, market, cache, prefix=prefix)
    try:
        entry = hub.watch(CODE)
        seeded, _book, age = hub.snapshot(entry)
        assert seeded.prev_close == 1 and 3.0 <= age < 4.0
        service.start()
        end = time.monotonic() + 20
        while time.monotonic() < end and hub.snapshot(entry)[0].time <= seeded.time:
            time.sleep(0.05)
        q, book, age = hub.snapshot(entry)
        assert q.time > seeded.time and age is not None and age < 5
        assert book.code == CODE and len(book.asks) == 10
        service.stop()
        time.sleep(0.5)  # the last step's events are published and read
        q = hub.snapshot(entry)[0]
        market = broker.quote(CODE)
        assert (q.time, q.price, q.volume, q.value, q.prev_close) == (
            market.time,
            market.price,
            market.volume,
            market.value,
            market.prev_close,
        )
        hub.unwatch(entry)
        assert hub.watched() == []
    finally:
        service.stop()
        hub.close()
        server.stop()


@pytest.mark.browser
def test_trade_page_switches_from_polling_to_push(paper_dash_app, browser_login):
    duo = browser_login(paper_dash_app)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + f"/trade/{CODE}")
    duo.wait_for_element("#trade-book .ob-level", timeout=15)
    end = time.time() + 15
    while time.time() < end and not duo.driver.execute_script("return GSLTS.live.pushing()"):
        time.sleep(0.1)
    assert duo.driver.execute_script("return GSLTS.live.pushing()")
    title = duo.find_element("#trade-price").get_attribute("title")
    end = time.time() + 15
    while time.time() < end and duo.find_element("#trade-price").get_attribute("title") == title:
        time.sleep(0.1)
    assert duo.find_element("#trade-price").get_attribute("title") != title  # a push moved the quote
    stats = duo.driver.execute_script("return GSLTS.live.stats")
    assert stats["opened"] == 1 and stats["messages"] >= 2
    # Leaving the trade page closes the stream (the server's slot and subscription go with it).
    duo.driver.get(duo.server.url + "/ranking")
    from app.runtime import runtime
    from app.stream import live_hub

    hub = live_hub(runtime())
    end = time.time() + 10
    while time.time() < end and hub.streams:
        time.sleep(0.1)
    assert hub.streams == 0
