"""KIS websocket: ticks, books, encrypted fill notices, PINGPONG, reconnect and the watchdog."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from support.wait import wait_for

from trading.brokers import BrokerUnavailable, Channel
from trading.domain import Fill, OrderBook, Side, Tick


class Inbox:
    def __init__(self) -> None:
        self.items: list[object] = []
        self.event = threading.Event()

    def __call__(self, item: object) -> None:
        self.items.append(item)
        self.event.set()

    def wait_for(self, pred: Callable[[list[object]], bool], timeout: float = 3.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(self.items):
                return True
            time.sleep(0.02)
        return pred(self.items)


def subscribed(fake, tr_id: str, key: str) -> bool:
    return any((tr_id, key) in c.subs for c in fake.ws_clients)


@pytest.fixture
def broker(make_kis):
    return make_kis(ws_stale_after_s=5.0, ws_reconnect_delay_s=0.1)


def test_ticks_arrive_including_multi_record_frames(broker, fake_kis):
    inbox = Inbox()
    broker.subscribe(Channel.TICKS, ["005930"], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "005930"))
    fake_kis.push_ticks("005930", [70000, 70100, 70200])
    assert inbox.wait_for(lambda items: len(items) == 3)
    ticks = [t for t in inbox.items if isinstance(t, Tick)]
    assert [t.price for t in ticks] == [70000, 70100, 70200]
    assert [t.seq for t in ticks] == [1, 2, 3]
    assert ticks[0].volume == 7 and ticks[0].strength == pytest.approx(112.34)


def test_frames_with_extra_trailing_fields_still_parse(broker, fake_kis):
    inbox = Inbox()
    broker.subscribe(Channel.TICKS, ["000660"], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "000660"))
    fake_kis.push_ticks("000660", [180000, 180500], extra_fields=3)
    assert inbox.wait_for(lambda items: len(items) == 2)
    assert [(t.code, t.price) for t in inbox.items] == [("000660", 180000), ("000660", 180500)]


def test_order_book_frames(broker, fake_kis):
    inbox = Inbox()
    broker.subscribe(Channel.BOOKS, ["005930"], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STASP0", "005930"))
    fake_kis.push_book("005930", 70000)
    assert inbox.wait_for(lambda items: len(items) == 1)
    book = inbox.items[0]
    assert isinstance(book, OrderBook)
    assert book.asks[0].price == 70100 and book.bids[0].price == 70000 and len(book.asks) == 10


def test_encrypted_fill_notice_decrypts(broker, fake_kis):
    inbox = Inbox()
    broker.subscribe(Channel.FILLS, [], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNI9", "HTSUSER01"))
    fake_kis.push_fill("0000000042", "005930", "02", 3, 70100, extra_fields=2)
    assert inbox.wait_for(lambda items: len(items) == 1)
    fill = inbox.items[0]
    assert isinstance(fill, Fill)
    assert (fill.order_id, fill.code, fill.side, fill.qty, fill.price) == (
        "0000000042",
        "005930",
        Side.BUY,
        3,
        70100,
    )


def test_pingpong_is_echoed(broker, fake_kis):
    broker.subscribe(Channel.TICKS, ["005930"], Inbox())
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "005930"))
    fake_kis.push_pingpong()
    assert wait_for(lambda: fake_kis.pongs == 1)


def test_dropped_websocket_reconnects_and_resubscribes(broker, fake_kis):
    inbox = Inbox()
    broker.subscribe(Channel.TICKS, ["005930"], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "005930"))
    fake_kis.push_ticks("005930", [70000])
    assert inbox.wait_for(lambda items: len(items) == 1)
    fake_kis.drop_websockets()
    start = time.monotonic()
    assert wait_for(lambda: fake_kis.ws_connections == 2 and subscribed(fake_kis, "H0STCNT0", "005930"), 3.0)
    fake_kis.push_ticks("005930", [70300])
    assert inbox.wait_for(lambda items: len(items) == 2, 3.0)
    assert time.monotonic() - start < 3.0
    status = broker.feed_status()
    assert status["connected"] is True and status["reconnects"] == 1
    assert status["subscriptions"] == ["ticks:005930"]
    gap = status["gaps"][0]
    assert gap["end"] is not None and "closed" in gap["reason"]


def test_silent_socket_trips_the_watchdog(make_kis, fake_kis):
    broker = make_kis(ws_stale_after_s=0.5, ws_reconnect_delay_s=0.1)
    inbox = Inbox()
    broker.subscribe(Channel.TICKS, ["005930"], inbox)
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "005930"))
    fake_kis.silence_websockets()
    assert wait_for(lambda: fake_kis.ws_connections >= 2 and subscribed(fake_kis, "H0STCNT0", "005930"), 3.0)
    fake_kis.push_ticks("005930", [70500])
    assert inbox.wait_for(lambda items: any(t.price == 70500 for t in items), 3.0)
    gaps = broker.feed_status()["gaps"]
    assert gaps and "no data for 0.5s" in gaps[0]["reason"]


def test_cancel_unsubscribes(broker, fake_kis):
    sub = broker.subscribe(Channel.TICKS, ["005930"], Inbox())
    assert wait_for(lambda: subscribed(fake_kis, "H0STCNT0", "005930"))
    sub.cancel()
    assert wait_for(lambda: not subscribed(fake_kis, "H0STCNT0", "005930"))
    assert broker.feed_status()["subscriptions"] == []


def test_subscription_cap(make_kis):
    broker = make_kis(max_ws_subscriptions=3)
    broker.subscribe(Channel.TICKS, ["005930", "000660"], Inbox())
    with pytest.raises(BrokerUnavailable, match="cap"):
        broker.subscribe(Channel.BOOKS, ["005930", "000660"], Inbox())
    broker.subscribe(Channel.BOOKS, ["005930"], Inbox())


def test_fill_notices_need_the_hts_id(make_kis):
    with pytest.raises(BrokerUnavailable, match="KIS_HTS_ID"):
        make_kis(hts_id="").subscribe(Channel.FILLS, [], Inbox())
