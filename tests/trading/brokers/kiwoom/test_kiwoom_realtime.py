"""Kiwoom websocket: LOGIN, REG/REMOVE, 0B/0D/00 frames, PING echo, reconnect."""

from __future__ import annotations

import pytest
from support.wait import wait_for

from trading.brokers import Channel
from trading.domain import Fill, OrderBook, Side, Tick


def registered(fake, type_: str, item: str) -> bool:
    return any((type_, item) in c.subs for c in fake.ws_clients)


@pytest.fixture
def broker(make_kiwoom):
    return make_kiwoom(ws_stale_after_s=5.0, ws_reconnect_delay_s=0.1, reg_interval_s=0.0)


def test_ticks_books_and_fills(broker, fake_kiwoom):
    items: list[object] = []
    broker.subscribe(Channel.TICKS, ["005930"], items.append)
    broker.subscribe(Channel.BOOKS, ["005930"], items.append)
    broker.subscribe(Channel.FILLS, [], items.append)
    assert wait_for(lambda: registered(fake_kiwoom, "0B", "005930") and registered(fake_kiwoom, "00", ""))
    assert wait_for(lambda: registered(fake_kiwoom, "0D", "005930"))
    fake_kiwoom.push_ticks("005930", [70000, 69900])
    fake_kiwoom.push_book("005930", 70000)
    fake_kiwoom.push_fill("0000042", "005930", "2", 3, 70100)
    assert wait_for(lambda: len(items) == 4)
    ticks = [i for i in items if isinstance(i, Tick)]
    assert [(t.price, t.volume, t.seq) for t in ticks] == [(70000, 12, 1), (69900, 12, 2)]
    assert ticks[0].cum_value == 8642 * 1_000_000 and ticks[0].strength == pytest.approx(98.76)
    book = next(i for i in items if isinstance(i, OrderBook))
    assert book.asks[0].price == 70100 and book.bids[0].price == 70000
    fill = next(i for i in items if isinstance(i, Fill))
    assert (fill.fill_id, fill.order_id, fill.code, fill.side, fill.qty, fill.price, fill.commission) == (
        "77001",
        "0000042",
        "005930",
        Side.BUY,
        3,
        70100,
        150,
    )


def test_ping_is_echoed(broker, fake_kiwoom):
    broker.subscribe(Channel.TICKS, ["005930"], lambda _: None)
    assert wait_for(lambda: registered(fake_kiwoom, "0B", "005930"))
    fake_kiwoom.push_ping()
    assert wait_for(lambda: fake_kiwoom.pongs == 1)


def test_dropped_websocket_reconnects_logs_in_and_resubscribes(broker, fake_kiwoom):
    ticks: list[object] = []
    broker.subscribe(Channel.TICKS, ["005930"], ticks.append)
    assert wait_for(lambda: registered(fake_kiwoom, "0B", "005930"))
    fake_kiwoom.drop_websockets()
    assert wait_for(lambda: fake_kiwoom.ws_connections == 2 and registered(fake_kiwoom, "0B", "005930"))
    fake_kiwoom.push_ticks("005930", [70300])
    assert wait_for(lambda: len(ticks) == 1)
    status = broker.feed_status()
    assert status["reconnects"] == 1 and status["gaps"][0]["end"] is not None


def test_expired_token_at_login_is_renewed(broker, fake_kiwoom):
    broker.quote("005930")
    fake_kiwoom.expire_tokens()
    ticks: list[object] = []
    broker.subscribe(Channel.TICKS, ["005930"], ticks.append)
    assert wait_for(lambda: registered(fake_kiwoom, "0B", "005930"))
    assert fake_kiwoom.token_calls == 2


def test_remove_on_cancel(broker, fake_kiwoom):
    sub = broker.subscribe(Channel.TICKS, ["005930"], lambda _: None)
    assert wait_for(lambda: registered(fake_kiwoom, "0B", "005930"))
    sub.cancel()
    assert wait_for(lambda: not registered(fake_kiwoom, "0B", "005930"))
