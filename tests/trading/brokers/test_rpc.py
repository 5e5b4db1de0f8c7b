"""Reaching the account owner from another process, over real Redis and over local HTTP: the order
gateway (``RemoteGateway``), account reads (``RpcBroker``), and the request loop's defences — deadlines,
junk entries, unsigned requests, reply keys."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime

import pytest
from support.owner import owner_settings, prepare_database, start_test_owner
from support.wait import wait_for
from werkzeug.serving import make_server

from trading.brokers.base import Channel, account_of
from trading.brokers.errors import AuthError, BrokerUnavailable, OrderPending, OrderRejected, Reason
from trading.brokers.http_rpc import HttpTransport
from trading.brokers.redis_rpc import RedisRpcServer, RedisTransport, reply_key
from trading.brokers.rpc import RpcBroker, RpcTimeout, Signer, envelope
from trading.brokers.wire import decode, encode
from trading.domain import (
    KST,
    Account,
    Balance,
    BookLevel,
    OrderBook,
    OrderRequest,
    OrderType,
    Position,
    Side,
)
from trading.orders.commands import Cancel
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.orders.remote import RemoteGateway

SECRET = b"test-secret-key"
ACCOUNT = "paper-u1"  # the first user ("trader", admin)
CTX = OrderContext(Actor("trader", Role.ADMIN), ACCOUNT, EntryPoint.API)


@pytest.fixture(scope="module")
def owner(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rpc-owner")
    url = f"sqlite:///{tmp / 'owner.db'}"
    prepare_database(url)
    owner = start_test_owner(owner_settings(tmp, url, market_speed=1.0, paper_initial_cash=10**10))
    from db.repositories.accounts import ensure_paper_account

    ensure_paper_account(owner.engine, 1, 10**10)
    yield owner
    owner.close()


@pytest.fixture
def served(owner, redis_url, key_prefix):
    """The owner serving over Redis under a private prefix; yields (server, transport)."""
    server = RedisRpcServer(owner.endpoint(), redis_url, SECRET, prefix=key_prefix)
    server.start()
    transport = RedisTransport(redis_url, SECRET, prefix=key_prefix)
    yield server, transport
    server.stop()
    transport.close()


def test_wire_round_trip_keeps_types():
    book = OrderBook(
        "005930", (BookLevel(70100, 5),), (BookLevel(70000, 7),), datetime(2026, 11, 20, 9, 1, tzinfo=KST)
    )
    bal = Balance(1000, 900, (Position("005930", 3, 210000, 70100),))
    assert decode(encode(book)) == book
    assert decode(encode(bal)) == bal
    req = OrderRequest("005930", Side.BUY, 3, OrderType.LIMIT, 70000, "c1")
    assert decode(encode(req)) == req
    assert decode(encode(CTX)) == CTX


def test_orders_and_typed_errors_over_redis(owner, served):
    server, transport = served
    gw = RemoteGateway(transport, timeout_s=5)
    reads = RpcBroker(transport, account=ACCOUNT)
    book = reads.order_book("005930")
    req = OrderRequest("005930", Side.BUY, 2, OrderType.LIMIT, book.bids[-1].price, "redis-once")
    first = gw.place(req, CTX)
    again = gw.place(req, CTX)  # a resend after a timeout is the same order
    assert first.order_id == again.order_id
    assert [o.order_id for o in reads.open_orders()].count(first.order_id) == 1
    with pytest.raises(OrderRejected) as exc:
        gw.place(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, book.bids[0].price + 1), CTX)
    assert exc.value.reason is Reason.OFF_TICK and "호가단위" in exc.value.message_ko
    assert gw.cancel(Cancel(first.order_id), CTX).status.value == "cancelled"
    # Reads place nothing: orders go through the gateway only.
    with pytest.raises(OrderRejected) as exc:
        reads.place_order(req)
    assert exc.value.reason is Reason.NOT_OWNER
    # Realtime: the owner's fills reach a subscriber in another process, tagged with their account.
    got: list[object] = []
    reads.subscribe(Channel.FILLS, [], got.append)
    owner.market.add_fill_listener(server.publisher(Channel.FILLS))
    time.sleep(0.2)
    gw.place(OrderRequest("005930", Side.BUY, 1, OrderType.MARKET), CTX)
    assert wait_for(lambda: got)
    assert got[0].code == "005930" and got[0].qty >= 1 and got[0].account == ACCOUNT
    assert server.stats["served"] >= 6


def test_a_stopped_owner_is_a_clear_error_and_an_order_is_pending(redis_url, key_prefix):
    transport = RedisTransport(redis_url, SECRET, prefix=key_prefix)
    try:
        with pytest.raises(RpcTimeout, match="did not answer"):
            RpcBroker(transport, timeout=0.5).quote("005930")
        req = OrderRequest("005930", Side.BUY, 1, OrderType.MARKET, client_order_id="nobody-home")
        with pytest.raises(OrderPending) as exc:  # the page shows 결과 확인 중 and asks for this id later
            RemoteGateway(transport, timeout_s=0.5).place(req, CTX)
        assert exc.value.client_order_id == "nobody-home"
    finally:
        transport.close()


def test_a_request_past_its_deadline_never_executes(owner, redis_url, key_prefix):
    """The caller gave up (its wait ran out while the owner was away); the owner, back, discards it."""
    transport = RedisTransport(redis_url, SECRET, prefix=key_prefix)
    req = OrderRequest(
        "005930", Side.BUY, 1, OrderType.MARKET, client_order_id=f"late-{uuid.uuid4().hex[:8]}"
    )
    with pytest.raises(OrderPending):
        RemoteGateway(transport, timeout_s=0.3).place(req, CTX)  # nobody serves yet: it stays queued
    server = RedisRpcServer(owner.endpoint(), redis_url, SECRET, prefix=key_prefix)
    server.start()
    try:
        assert wait_for(lambda: server.stats["expired"] == 1)
        assert owner.gateway.journal.get(ACCOUNT, req.client_order_id) is None  # never ran, never will
        status = RemoteGateway(transport, 5).status(CTX, req.client_order_id)
        assert status is None
    finally:
        server.stop()
        transport.close()


@pytest.mark.parametrize(
    "junk",
    [b"junk", b"[1,2]", b"{}", b'{"id": "x"}', b"\xff\xfe", json.dumps({"method": "quote"}).encode()],
)
def test_junk_and_unsigned_entries_are_ignored(owner, served, redis_client, key_prefix, junk):
    server, transport = served
    victim = key_prefix + "victim"
    redis_client.set(victim, "keep me")
    redis_client.lpush(key_prefix + "rpc", junk)
    # A well-formed but unsigned order, naming another key to reply to: nothing runs, nothing touched.
    env = envelope("gateway.place", {"ctx": CTX, "cmd": OrderRequest("005930", Side.BUY, 1, OrderType.MARKET,
                                                                        client_order_id="unsigned-1")}, ACCOUNT, 5)  # fmt: skip
    redis_client.lpush(key_prefix + "rpc", json.dumps(env | {"reply_to": victim}))
    forged = Signer(b"not-the-secret").sign(env | {"id": uuid.uuid4().hex})
    redis_client.lpush(key_prefix + "rpc", json.dumps(forged))
    t0 = time.perf_counter()
    quote = RpcBroker(transport).quote("005930")  # the next valid request is answered at once
    assert time.perf_counter() - t0 < 1.0 and quote.price > 0
    assert wait_for(lambda: server.stats["malformed"] >= 1 and server.stats["unsigned"] >= 2)
    assert owner.gateway.journal.get(ACCOUNT, "unsigned-1") is None
    assert redis_client.get(victim) == b"keep me" and redis_client.ttl(victim) == -1
    assert redis_client.exists(reply_key(key_prefix, env["id"]))  # the refusal went to its own key only


def test_cli_reaches_the_running_app_over_http(paper_dash_app):
    """Embedded mode: the CLI's gateway and reads go to the app that owns the market (token required)."""
    from app.runtime import runtime
    from db.repositories.accounts import ensure_paper_account
    from services.embedded import api_token

    ensure_paper_account(runtime().engine, 1, runtime().settings.paper_initial_cash)
    srv = make_server("127.0.0.1", 0, paper_dash_app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}"
    try:
        transport = HttpTransport(url, api_token(runtime().settings))
        ctx = OrderContext(Actor("trader", Role.ADMIN), ACCOUNT, EntryPoint.CLI)
        reads = RpcBroker(transport, account=ACCOUNT)
        assert reads.quote("000660").code == "000660"
        order = RemoteGateway(transport).place(OrderRequest("000660", Side.BUY, 1, OrderType.MARKET), ctx)
        assert order.filled_qty == 1
        assert any(p.code == "000660" for p in runtime().reader(ACCOUNT).balance().positions)
        with pytest.raises(OrderRejected, match="unknown stock code"):
            reads.quote("ZZZZZZ")
        with pytest.raises(AuthError):
            RpcBroker(HttpTransport(url, "wrong-token"), account=ACCOUNT).balance()
        stale = envelope("quote", {"code": "005930"}, None, -1)  # already past its deadline
        with pytest.raises(RpcTimeout, match="deadline"):
            transport.call(stale, 1)
    finally:
        srv.shutdown()


def test_account_view_is_one_round_trip_with_the_owners_view(owner, served):
    """``account_view``: open orders, today's fills and the balance in one request (the trade page's refresh)."""
    _, transport = served
    gw = RemoteGateway(transport)
    client = RpcBroker(transport, account=ACCOUNT)
    requests: list[str] = []
    call = transport.call
    transport.call = lambda env, timeout: requests.append(env["method"]) or call(env, timeout)
    book = client.order_book("005930")
    gw.place(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, book.bids[-1].price, "acct-1"), CTX)
    gw.place(OrderRequest("005930", Side.BUY, 1, OrderType.MARKET, client_order_id="acct-2"), CTX)
    requests.clear()
    acct = account_of(client)
    assert requests == ["account_view"]
    assert isinstance(acct, Account) and isinstance(acct.open_orders, tuple)
    mine = owner.reader(ACCOUNT).account_view()
    assert acct.open_orders == mine.open_orders and acct.fills == mine.fills
    assert acct.balance.cash == mine.balance.cash and acct.balance.orderable == mine.balance.orderable
    assert any(o.client_order_id == "acct-1" for o in acct.open_orders)
    for o in acct.open_orders:
        gw.cancel(Cancel(o.order_id), CTX)


def test_market_channels_are_per_redis_database(redis_url):
    """Pub/sub is server-wide: the database number in the prefix keeps two deployments apart."""
    from trading.brokers.redis_rpc import market_prefix
    from trading.domain import Tick

    base, _, _db = redis_url.rpartition("/")
    other_url = f"{base}/14" if not redis_url.endswith("/14") else f"{base}/13"
    assert market_prefix(redis_url) != market_prefix(other_url)
    tick = Tick("005930", datetime(2026, 11, 20, 9, 1, tzinfo=KST), 1, 70000, 3, 3, 210000, 100.0)
    server = RedisRpcServer(None, redis_url, SECRET)  # type: ignore[arg-type] - publishing only
    mine, theirs = RedisTransport(redis_url, SECRET), RedisTransport(other_url, SECRET)
    got_mine: list[object] = []
    got_theirs: list[object] = []
    try:
        mine.subscribe(Channel.TICKS, ["005930"], got_mine.append)
        theirs.subscribe(Channel.TICKS, ["005930"], got_theirs.append)
        time.sleep(0.3)
        server.publish(Channel.TICKS, [tick])
        assert wait_for(lambda: got_mine)
        time.sleep(0.3)
        assert got_mine == [tick] and got_theirs == []
    finally:
        mine.close()
        theirs.close()
        server.stop()


def test_redis_down_is_a_clear_error():
    transport = RedisTransport("redis://127.0.0.1:1/0", SECRET)
    with pytest.raises(BrokerUnavailable, match="Redis is unreachable"):
        RpcBroker(transport, timeout=0.5).quote("005930")


def test_the_demo_clock_is_read_and_its_speed_set_over_redis(owner, served):
    """The navbar's clock and the admin's speed control reach the market process (full mode)."""
    from trading.brokers.rpc import call

    _server, transport = served
    clock = call(transport, "market.clock", {}, None, 5)
    assert clock["kind"] == "demo" and clock["speed"] == 1.0
    with pytest.raises(OrderRejected) as exc:
        call(transport, "market.set_speed", {"speed": 60, "role": "trader"}, None, 5)
    assert exc.value.reason is Reason.FORBIDDEN and owner.market.clock.speed == 1.0
    try:
        assert call(transport, "market.set_speed", {"speed": 60, "role": "admin"}, None, 5)["speed"] == 60
        assert owner.market.clock.speed == 60
    finally:
        owner.market.set_speed(1.0)
