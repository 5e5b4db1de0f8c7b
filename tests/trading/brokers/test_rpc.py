"""The market owner's broker used from another client: over real Redis and over local HTTP."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from werkzeug.serving import make_server

from trading.brokers.base import Channel
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.http_rpc import HttpTransport
from trading.brokers.paper.broker import PaperBroker
from trading.brokers.redis_rpc import RedisRpcServer, RedisTransport
from trading.brokers.rpc import RpcBroker
from trading.brokers.wire import decode, encode
from trading.domain import KST, Balance, BookLevel, OrderBook, OrderRequest, OrderType, Position, Side
from trading.market.service import MarketService


@pytest.fixture(scope="module")
def owner():
    service = MarketService(seed=7)
    service.step()
    service.start()
    broker = PaperBroker(service, owns_service=True)
    yield broker
    broker.close()


def test_wire_round_trip_keeps_types():
    book = OrderBook(
        "005930", (BookLevel(70100, 5),), (BookLevel(70000, 7),), datetime(2026, 11, 20, 9, 1, tzinfo=KST)
    )
    bal = Balance(1000, 900, (Position("005930", 3, 210000, 70100),))
    assert decode(encode(book)) == book
    assert decode(encode(bal)) == bal
    req = OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 70000, "c1")
    assert decode(encode(req)) == req


def test_orders_and_typed_errors_over_redis(owner, redis_url, key_prefix):
    server = RedisRpcServer(owner, redis_url, prefix=key_prefix)
    server.start()
    client = RpcBroker(RedisTransport(redis_url, prefix=key_prefix))
    try:
        quote = client.quote("005930")
        assert quote.price == owner.quote("005930").price or quote.price > 0
        book = client.order_book("005930")
        req = OrderRequest("005930", Side.BUY, 2, OrderType.LIMIT, book.bids[-1].price, "redis-once")
        first = client.place_order(req)
        again = client.place_order(req)  # a resend after a timeout is the same order
        assert first.order_id == again.order_id
        assert [o.order_id for o in owner.open_orders()].count(first.order_id) == 1
        with pytest.raises(OrderRejected) as exc:
            client.place_order(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, book.bids[0].price + 1))
        assert exc.value.reason is Reason.OFF_TICK and "호가단위" in exc.value.message_ko
        assert client.cancel_order(first.order_id).status.value == "cancelled"
        # Realtime: fills published by the owner reach a subscriber in another client.
        got: list[object] = []
        client.subscribe(Channel.FILLS, [], got.append)
        time.sleep(0.2)
        fill_events = []
        owner.subscribe(
            Channel.FILLS, [], lambda f: server.publish(Channel.FILLS, [f]) or fill_events.append(f)
        )
        client.place_order(OrderRequest("005930", Side.BUY, 1, OrderType.MARKET))
        deadline = time.time() + 5
        while not got and time.time() < deadline:
            time.sleep(0.05)
        assert got and got[0].code == "005930" and got[0].qty >= 1
    finally:
        server.stop()
        client.close()


def test_a_stopped_owner_is_a_clear_error(redis_url, key_prefix):
    from trading.brokers.errors import BrokerUnavailable

    client = RpcBroker(RedisTransport(redis_url, prefix=key_prefix), timeout=1)
    with pytest.raises(BrokerUnavailable, match="did not answer"):
        client.quote("005930")
    client.close()


def test_cli_reaches_the_running_app_over_http(paper_dash_app):
    """Embedded mode: the CLI's RpcBroker talks to the app that owns the market (token required)."""
    from app.market_owner import api_token
    from app.runtime import runtime

    srv = make_server("127.0.0.1", 0, paper_dash_app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}"
    try:
        client = RpcBroker(HttpTransport(url, api_token(runtime().settings)))
        assert client.quote("000660").code == "000660"
        order = client.place_order(OrderRequest("000660", Side.BUY, 1, OrderType.MARKET))
        assert order.filled_qty == 1
        assert any(p.code == "000660" for p in runtime().broker().balance().positions)
        with pytest.raises(OrderRejected, match="unknown stock code"):
            client.quote("ZZZZZZ")
        from trading.brokers.errors import AuthError

        with pytest.raises(AuthError):
            RpcBroker(HttpTransport(url, "wrong-token")).balance()
    finally:
        srv.shutdown()


def test_account_is_one_round_trip_with_the_owners_view(owner, redis_url, key_prefix):
    """``account()``: open orders, today's fills and the balance in one request (the trade page's refresh)."""
    from trading.brokers.base import account_of
    from trading.domain import Account

    server = RedisRpcServer(owner, redis_url, prefix=key_prefix)
    server.start()
    client = RpcBroker(RedisTransport(redis_url, prefix=key_prefix))
    requests: list[str] = []
    call = client.transport.call
    client.transport.call = lambda req, timeout: requests.append(req["method"]) or call(req, timeout)
    try:
        book = client.order_book("005930")
        client.place_order(
            OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, book.bids[-1].price, "acct-1")
        )
        client.place_order(OrderRequest("005930", Side.BUY, 1, OrderType.MARKET, client_order_id="acct-2"))
        requests.clear()
        acct = account_of(client)
        assert requests == ["account"]
        assert isinstance(acct, Account) and isinstance(acct.open_orders, tuple)
        mine = owner.account()
        assert acct.open_orders == mine.open_orders and acct.fills == mine.fills
        assert acct.balance.cash == mine.balance.cash and acct.balance.orderable == mine.balance.orderable
        assert any(o.client_order_id == "acct-1" for o in acct.open_orders)
        assert any(f.code == "005930" for f in acct.fills)
        for o in acct.open_orders:
            client.cancel_order(o.order_id)
    finally:
        server.stop()
        client.close()


def test_market_channels_are_per_redis_database(redis_url):
    """Pub/sub is server-wide: the database number in the prefix keeps two deployments apart."""
    from trading.brokers.redis_rpc import market_prefix
    from trading.domain import Tick

    base, _, _db = redis_url.rpartition("/")
    other_url = f"{base}/14" if not redis_url.endswith("/14") else f"{base}/13"
    assert market_prefix(redis_url) != market_prefix(other_url)
    tick = Tick("005930", datetime(2026, 11, 20, 9, 1, tzinfo=KST), 1, 70000, 3, 3, 210000, 100.0)
    server = RedisRpcServer(None, redis_url)  # type: ignore[arg-type] - publishing only
    mine, theirs = RedisTransport(redis_url), RedisTransport(other_url)
    got_mine: list[object] = []
    got_theirs: list[object] = []
    try:
        mine.subscribe(Channel.TICKS, ["005930"], got_mine.append)
        theirs.subscribe(Channel.TICKS, ["005930"], got_theirs.append)
        time.sleep(0.3)
        server.publish(Channel.TICKS, [tick])
        deadline = time.time() + 5
        while not got_mine and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert got_mine == [tick] and got_theirs == []
    finally:
        mine.close()
        theirs.close()
        server.redis.close()
