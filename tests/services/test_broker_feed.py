"""The broker market-data service in embedded mode (``gslts run``'s container with BROKER=kis|kiwoom)
against the fake servers serving the whole listing: the ranking, a sector's own TOP N, a stock outside
the ranking opened with a quote, a book and a minute chart (then pushed by the websocket), least-recently-viewed
eviction beyond the websocket's registration limit, and stale data while the websocket is down."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_base import listing_universe
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.owner import owner_settings, prepare_database

from services.container import Container
from trading.stocks import read_listing

UNIVERSE = listing_universe()
WS_CODES = 3  # the websocket's room in these tests (KIS: 7 registrations = fills + 3 x (ticks, books))


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Harness:
    def __init__(self, kind: str, tmp: Path):
        fake_class = FakeKis if kind == "kis" else FakeKiwoom
        self.fake = fake_class("mock", app_keys={"k": "s"}, universe=UNIVERSE).start()
        if kind == "kis":
            self.fake.token_min_interval_s = 0.0
        creds = (
            {"kis_app_key": "k", "kis_app_secret": "s", "kis_account": "12345678-01", "kis_hts_id": "HTSUSER01",
             "kis_rest_url": self.fake.rest_url, "kis_ws_url": self.fake.ws_url, "kis_rate_per_s": 60,
             "kis_max_ws_subscriptions": 1 + 2 * WS_CODES}
            if kind == "kis"
            else {"kiwoom_app_key": "k", "kiwoom_secret_key": "s", "kiwoom_rest_url": self.fake.rest_url,
                  "kiwoom_ws_url": self.fake.ws_url, "kiwoom_rate_per_api_s": 60, "kiwoom_global_rate_per_s": 60,
                  "kiwoom_max_ws_items": WS_CODES}
        )  # fmt: skip
        url = f"sqlite:///{tmp / 'feed.db'}"
        prepare_database(url)
        self.settings = owner_settings(
            tmp, url, broker=kind, broker_feed=True, broker_ranking_refresh_s=1.0, broker_sweep_per_s=50,
            broker_poll_s=0.5, broker_ws_max_reconnect_s=0.5, order_session_check="off", **creds,
        )  # fmt: skip
        self.rt = Container(self.settings, "web")  # the embedded app's container: it owns the account
        self.md = self.rt.market_data()
        assert self.rt.owner is not None and self.rt.owner.feed is not None
        self.feed = self.rt.owner.feed

    def close(self) -> None:
        self.rt.close()
        self.fake.stop()


@pytest.fixture(scope="module", params=["kis", "kiwoom"])
def h(request, tmp_path_factory) -> Iterator[Harness]:
    harness = Harness(request.param, tmp_path_factory.mktemp(request.param))
    yield harness
    harness.close()


SECTOR_OF = {s.code: s.sector_code for s in read_listing()}


def test_ranking_is_the_top_100_by_trading_value(h: Harness):
    rows = wait_for(lambda: h.md.ranking(100), what="the ranking")
    assert len(rows) >= 50
    assert [r.code for r in rows] == h.fake.ranked()[: len(rows)]  # paged/banded to the exact TOP
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    first = rows[0]
    assert first.value == h.fake.prices[first.code] * h.fake.volume(first.code)
    assert first.sector == SECTOR_OF[first.code] and first.market in ("KOSPI", "KOSDAQ")
    assert not first.name.startswith("종목")  # the stock master's name


def test_sector_filter_gives_the_sectors_own_top(h: Harness):
    top = {r.code for r in wait_for(lambda: h.md.ranking(100), what="the ranking")}
    members: dict[str, list[str]] = {}
    for code, sector in SECTOR_OF.items():
        members.setdefault(sector, []).append(code)
    # a small sector, so the sweep of its stocks outside the TOP 100 is quick
    sector = min((s for s in members if 10 <= len(members[s]) <= 120), key=lambda s: len(members[s]))
    expected = [c for c in h.fake.ranked() if SECTOR_OF.get(c) == sector][:10]
    assert set(expected) - top, "the sector's TOP 10 should reach outside the overall TOP 100"
    h.md.want_sectors([sector])

    def sector_top() -> list[str] | None:
        rows = [r for r in h.md.ranking(5000) if r.sector == sector]
        return [r.code for r in rows[:10]] if [r.code for r in rows[:10]] == expected else None

    assert wait_for(sector_top, 15.0, "the sector's own TOP 10") == expected


def test_stock_outside_the_ranking_opens_with_quote_and_book_then_is_pushed(h: Harness):
    top = {r.code for r in wait_for(lambda: h.md.ranking(100), what="the ranking")}
    code = next(c for c in h.fake.ranked()[::-1] if c not in top and c in SECTOR_OF)
    q = h.md.quote(code)  # waits for the feed's first snapshot
    book = h.md.book(code)
    assert q.price == h.fake.prices[code]
    assert book.asks[0].price > book.bids[0].price > 0
    assert not h.md.is_stale(code)
    wait_for(lambda: code in h.feed.serving()["ws"], what="the websocket subscription")
    wait_for(
        lambda: h.fake.subscribers(h.fake.tick_frame(code, 1)[0]) & {code}, what="the fake's registration"
    )
    h.fake.push_ticks(code, [q.price + 500])
    wait_for(lambda: h.md.quote(code).price == q.price + 500, 3.0, "the pushed tick")
    h.fake.push_book(code, q.price + 500)
    wait_for(lambda: h.md.book(code).bids[0].price == q.price + 500, 3.0, "the pushed book")
    bars = wait_for(lambda: h.md.intraday_bars(code), 5.0, "the minute chart")
    tick_minute = h.md.quote(code).time.replace(second=0, microsecond=0)
    if bars[-1].time <= tick_minute:  # (the fakes' session bars lie ahead of the wall clock after midnight)
        assert bars[-1].time == tick_minute and bars[-1].close == q.price + 500  # the tick's current minute
    assert wait_for(lambda: h.md.intraday_bars(code, 5), what="5-minute bars")


def test_least_recently_viewed_leaves_the_websocket_and_is_polled(h: Harness):
    top = [r.code for r in wait_for(lambda: h.md.ranking(100), what="the ranking")]
    codes = [c for c in top if c in SECTOR_OF][10 : 10 + WS_CODES + 1]
    for code in codes:
        h.md.quote(code)
        time.sleep(0.05)
    serving = wait_for(
        lambda: (s := h.feed.serving()) and set(codes[1:]) <= set(s["ws"]) and s,
        what="the newest on the websocket",
    )
    assert len(serving["ws"]) == WS_CODES
    assert codes[0] in serving["polled"]  # the least recently viewed: REST-polled while still viewed
    before = h.md.last_tick_age(codes[0])
    h.fake.prices[codes[0]] += 1000
    wait_for(lambda: h.md.quote(codes[0]).price == h.fake.prices[codes[0]], 5.0, "the poll")
    assert before is not None and not h.md.is_stale(codes[0])


def test_websocket_outage_is_stale_within_3s_then_live_again(h: Harness):
    code = [c for c in h.fake.ranked() if c in SECTOR_OF][3]
    h.md.quote(code)
    wait_for(lambda: code in h.feed.serving()["ws"], what="a websocket code")
    wait_for(lambda: not h.md.is_stale(code), 5.0, "live data first")
    h.fake.kill_websockets(refuse=True)
    wait_for(lambda: h.md.is_stale(code), 3.0, "the stale marker")  # within 3 s (one 50 ms poll of slack)
    time.sleep(1.0)
    assert h.md.is_stale(code)  # still down: still stale
    h.fake.ws_refuse = False
    wait_for(lambda: not h.md.is_stale(code), 10.0, "live again after the reconnect")
    kind = h.fake.tick_frame(code, 1)[0]
    wait_for(lambda: code in h.fake.subscribers(kind), 5.0, "the registration restored")
    price = h.md.quote(code).price + 100

    def pushed() -> bool:  # the dropped connection may still be listed a moment: push until it arrives
        h.fake.push_ticks(code, [price])
        time.sleep(0.2)
        return h.md.quote(code).price == price

    wait_for(pushed, 3.0, "a tick after the reconnect")
    status = h.md.feed_status()
    assert status["reconnects"] >= 1 and status["gaps"], "the gap is recorded"


def test_own_fills_from_the_websocket_go_into_the_cache(h: Harness):
    kind = "H0STCNI9" if isinstance(h.fake, FakeKis) else "00"
    wait_for(lambda: h.fake.subscribers(kind), what="the fill-notice registration")
    before = len(h.feed.cache.fills())
    if isinstance(h.fake, FakeKis):
        h.fake.push_fill("0000000777", "005930", "02", 3, 70000)
    else:
        h.fake.push_fill("0000777", "005930", "2", 3, 70000)
    fills = wait_for(lambda: h.feed.cache.fills()[before:], 3.0, "the fill in the cache")
    assert fills[-1].code == "005930" and fills[-1].qty == 3 and fills[-1].price == 70000


def test_a_fill_heard_on_the_websocket_is_in_the_database_within_2s(h: Harness):
    """Issue 14: a fill from the broker's websocket shows in fills and the position within 2 s (pages read
    them from the database), without waiting for the broker-sync interval."""
    from db.repositories.broker_sync import BrokerSyncStore
    from trading.domain import OrderRequest, OrderType, Side
    from trading.krx import move_ticks
    from trading.orders.context import Actor, EntryPoint, OrderContext, Role
    from trading.orders.naming import broker_account

    kis = isinstance(h.fake, FakeKis)
    wait_for(lambda: h.fake.subscribers("H0STCNI9" if kis else "00"), what="the fill-notice registration")
    account = broker_account(h.settings)
    ctx = OrderContext(Actor("trader", Role.ADMIN), account, EntryPoint.PAGE)
    price = move_ticks(h.fake.prices["000660"], -5)  # below the market: it rests until the fake fills it
    order = h.rt.gateway().place(OrderRequest("000660", Side.BUY, 4, OrderType.LIMIT, price), ctx)
    store = BrokerSyncStore(h.rt.engine)
    runs = h.rt.owner.fill_sync.runs
    h.fake.execute(order.order_id, 4, price)
    if kis:
        h.fake.push_fill(order.order_id, "000660", "02", 4, price)
    else:
        h.fake.push_fill(order.order_id, "000660", "2", 4, price)
    heard = time.monotonic()
    synced = wait_for(
        lambda: (acc := store.load(account)) and [f for f in acc.fills if f.order_id and f.code == "000660"] and acc,
        2.0, "the fill in the database",
    )  # fmt: skip
    assert time.monotonic() - heard <= 2.0 and h.rt.owner.fill_sync.runs > runs
    assert sum(f.qty for f in synced.fills if f.code == "000660") == 4
    assert {p.code: p.qty for p in synced.positions}.get("000660") == 4


def test_a_tick_stream_spread_over_the_subscribed_codes_reaches_the_feed(h: Harness):
    code = h.fake.ranked()[0]
    h.md.quote(code)
    kind = h.fake.tick_frame(code, 1)[0]
    wait_for(lambda: code in h.fake.subscribers(kind), what="the websocket registration")
    last: dict[str, int] = {}
    stream = h.fake.stream_ticks(
        200,
        price_of=lambda c, n: h.fake.prices[c] + 10 * (n % 5 + 1),
        on_sent=lambda c, prices, _wall: last.__setitem__(c, prices[-1]),
    )
    try:
        time.sleep(1.0)
        sent = stream.sent
    finally:
        stream.stop()
    assert 100 <= sent <= 300  # ~200 a second, spread over every subscribed code
    assert code in last and set(last) <= h.fake.subscribers(kind)
    time.sleep(0.1)  # the round in flight when it stopped
    for c, price in last.items():
        wait_for(lambda c=c, price=price: h.md.quote(c).price == price, 3.0, f"the last streamed tick of {c}")


def test_fetched_minute_bars_keep_the_ticks_of_the_open_minute():
    """A REST fetch that returns the still-open minute must not drop a tick pushed while it ran."""
    from datetime import datetime

    from services.broker_feed import _merge_fetched
    from trading.domain import KST, Bar

    t0, t1 = datetime(2026, 12, 1, 9, 29, tzinfo=KST), datetime(2026, 12, 1, 9, 30, tzinfo=KST)
    fetched = [Bar("005930", t0, 100, 110, 95, 105, 10, 1000), Bar("005930", t1, 105, 106, 104, 105, 5, 500)]
    live = [Bar("005930", t1, 105, 120, 105, 120, 2, 240)]
    merged = _merge_fetched(fetched, live)
    assert merged[0] == fetched[0]
    assert merged[1] == Bar("005930", t1, 105, 120, 104, 120, 5, 500)
    t2 = datetime(2026, 12, 1, 9, 31, tzinfo=KST)
    later = Bar("005930", t2, 121, 121, 121, 121, 1, 121)
    assert _merge_fetched(fetched[:1], [*live, later]) == [fetched[0], *live, later]
    assert _merge_fetched([], live) == live
