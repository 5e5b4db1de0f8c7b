"""The order gateway in front of KIS and Kiwoom, against the fake servers (documented protocol, faults
included), on SQLite and MariaDB: the real-money gate, lost answers reconciled and never re-sent, the
bad-input matrix (nothing reaches the broker), exactly-once client ids."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.owner import owner_settings, start_test_owner

from trading.brokers.common.rate_limit import LocalRateLimiter
from trading.brokers.common.token_store import FileTokenStore
from trading.brokers.errors import MarketClosed, OrderPending, OrderRejected, Reason
from trading.domain import KST, OrderRequest, OrderStatus, OrderType, Side
from trading.market.clock import RealClock
from trading.orders.commands import Cancel, Modify, with_client_id
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.orders.journal import IntentState
from trading.orders.naming import broker_account

CODE = "005930"  # the fakes price it at 70,000 (limits 48,650..90,350)
OPEN = RealClock(wall=lambda: datetime(2026, 11, 30, 10, 0, tzinfo=KST))  # a Monday session, 10:00
SUNDAY = RealClock(wall=lambda: datetime(2026, 11, 29, 10, 0, tzinfo=KST))
TRADER = Actor("trader", Role.ADMIN)  # bound to the broker account on its creation (an admin)


class Harness:
    """A fake broker, an owner of its account, and the context to order as ``trader``."""

    def __init__(
        self, kind: str, env: str, db_url: str, tmp: Path, clock: RealClock = OPEN, **settings: object
    ):
        self.kind = kind
        self.fake = (FakeKis if kind == "kis" else FakeKiwoom)(env, app_keys={"k": "s"}).start()
        creds = (
            {"kis_app_key": "k", "kis_app_secret": "s", "kis_account": "12345678-01",
             "kis_rest_url": self.fake.rest_url, "kis_ws_url": self.fake.ws_url}
            if kind == "kis"
            else {"kiwoom_app_key": "k", "kiwoom_secret_key": "s", "kiwoom_rest_url": self.fake.rest_url,
                  "kiwoom_ws_url": self.fake.ws_url}
        )  # fmt: skip
        self.settings = owner_settings(tmp, db_url, broker=kind, broker_env=env, **creds, **settings)
        self.owner = start_test_owner(self.settings, adapter=self._adapter(tmp), clock=clock)
        self.account = broker_account(self.settings)
        self.gateway = self.owner.gateway

    def _adapter(self, tmp: Path, **extra: object):
        fast = {"rate_limit_backoff_s": 0.05, "reconcile_delay_s": 0.05, **extra}
        store, limiter = FileTokenStore(tmp / "tokens"), LocalRateLimiter()
        if self.kind == "kis":
            from trading.brokers.kis import KisBroker

            return KisBroker.from_settings(
                self.settings, store, limiter, rate_per_s=200, hts_id="HTSUSER01", **fast
            )
        from trading.brokers.kiwoom import KiwoomBroker

        return KiwoomBroker.from_settings(
            self.settings, store, limiter, rate_per_api_s=200, global_rate_per_s=200, **fast
        )

    def ctx(self, token: str | None = None) -> OrderContext:
        return OrderContext(TRADER, self.account, EntryPoint.API, token)

    def posts(self) -> tuple[int, int]:
        return self.fake.order_posts, self.fake.revise_posts

    def account_state(self) -> tuple:
        return (self.fake.cash, dict(self.fake.positions), len(self.fake.orders))

    def close(self) -> None:
        self.owner.close()
        self.fake.stop()


@pytest.fixture(params=["kis", "kiwoom"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def mock(kind, db_url, tmp_path):
    h = Harness(kind, "mock", db_url, tmp_path)
    yield h
    h.close()


def limit(qty: int, price: int, cid: str | None = None, side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(CODE, side, qty, OrderType.LIMIT, price, cid)


# --- the real-money gate -----------------------------------------------------------------------------


def test_a_real_account_receives_nothing_without_live_trading(kind, db_url, tmp_path):
    h = Harness(kind, "real", db_url, tmp_path, live_trading=False)
    try:
        for call in (
            lambda: h.gateway.place(limit(1, 69000), h.ctx()),
            lambda: h.gateway.prepare(limit(1, 69000), h.ctx()),
            lambda: h.gateway.cancel(Cancel("0000000001"), h.ctx()),
            lambda: h.gateway.modify(Modify("0000000001", price=69100), h.ctx()),
            lambda: h.owner.adapter.place_order(limit(1, 69000)),  # the adapter checks again
            lambda: h.owner.adapter.cancel_order("0000000001"),
        ):
            with pytest.raises(OrderRejected) as err:
                call()
            assert err.value.reason is Reason.LIVE_DISABLED and "LIVE_TRADING" in err.value.message_ko
        assert h.posts() == (0, 0)
    finally:
        h.close()


def test_a_live_order_runs_only_with_its_confirmation(kind, db_url, tmp_path):
    h = Harness(kind, "real", db_url, tmp_path, live_trading=True)
    try:
        req = limit(1, 69000, "live-1")
        with pytest.raises(OrderRejected) as err:
            h.gateway.place(req, h.ctx())
        assert err.value.reason is Reason.CONFIRM_REQUIRED and h.posts() == (0, 0)
        preview = h.gateway.prepare(req, h.ctx())
        assert preview.confirm == ("live",)
        order = h.gateway.place(req, h.ctx(preview.token))
        assert h.posts() == (1, 0) and order.client_order_id == "live-1"
        h.gateway.cancel(Cancel(order.order_id), h.ctx())  # a cancel needs no confirmation
        assert h.posts() == (1, 1)
    finally:
        h.close()


# --- unknown outcomes ------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["dropped", "5xx"])
@pytest.mark.parametrize("inline", [True, False], ids=["adapter-reconciles", "gateway-reconciles"])
def test_an_accepted_order_whose_answer_is_lost_is_reconciled_never_resent(
    kind, db_url, tmp_path, fault, inline
):
    h = Harness(kind, "mock", db_url, tmp_path)
    if not inline:  # the adapter gives up at once: the gateway's journal and reconciler settle it
        h.owner.close()
        h.owner = start_test_owner(h.settings, adapter=h._adapter(tmp_path, reconcile_attempts=0), clock=OPEN)
        h.gateway = h.owner.gateway
    try:
        if fault == "dropped":
            h.fake.drop_order_response_next = 1
        else:
            h.fake.fail_after_accept_next = 1
        req = limit(1, 69000, f"lost-{fault}-{inline}")
        try:
            order = h.gateway.place(req, h.ctx())
        except OrderPending as err:
            assert not inline and err.client_order_id == req.client_order_id
            assert h.gateway.journal.get(h.account, req.client_order_id).state is IntentState.UNKNOWN
            h.gateway.reconcile()
            order = h.gateway.place(req, h.ctx())  # asking again returns it, found at the broker
        assert h.posts() == (1, 0)
        intent = h.gateway.journal.get(h.account, req.client_order_id)
        assert intent.state is IntentState.ACCEPTED and intent.order_id == order.order_id
        assert len(h.fake.orders) == 1 and h.fake.orders[0].qty == 1
        again = h.gateway.place(req, h.ctx())
        assert again.order_id == order.order_id and h.posts() == (1, 0)  # never re-sent
    finally:
        h.close()


def test_one_client_id_from_two_threads_is_one_order_at_the_broker(mock):
    req = limit(1, 69000, "twins")
    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(mock.gateway.place(req, mock.ctx()).order_id))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 2 and got[0] == got[1] and mock.posts() == (1, 0)


# --- the bad-input matrix ----------------------------------------------------------------------------

BAD = {
    "qty 0": (limit(0, 69000), Reason.BAD_QTY),
    "qty -1": (limit(-1, 69000), Reason.BAD_QTY),
    "qty 1.5": (limit(1.5, 69000), Reason.BAD_QTY),  # type: ignore[arg-type]
    "qty true": (limit(True, 69000), Reason.BAD_QTY),  # type: ignore[arg-type]
    "qty 1e30": (limit(10**30, 69000), Reason.BAD_QTY),
    "price off-tick": (limit(1, 69050), Reason.OFF_TICK),
    "price float": (limit(1, 70000.5), Reason.BAD_PRICE),  # type: ignore[arg-type]
    "price 0": (limit(1, 0), Reason.BAD_PRICE),
    "price negative": (limit(1, -100), Reason.BAD_PRICE),
    "price above the limit": (limit(1, 90400), Reason.OUT_OF_LIMITS),
    "price below the limit": (limit(1, 48600), Reason.OUT_OF_LIMITS),
    "unknown code": (OrderRequest("ZZZZZZ", Side.BUY, 1, OrderType.MARKET), Reason.UNKNOWN_CODE),
    "code with a newline": (OrderRequest("005930\n", Side.BUY, 1, OrderType.LIMIT, 69000), Reason.UNKNOWN_CODE),
    "insufficient cash": (limit(1000, 69000), Reason.INSUFFICIENT_CASH),  # 69,000,000 > the fake's 50,000,000
    "selling more than held": (limit(11, 69000, side=Side.SELL), Reason.INSUFFICIENT_SHARES),  # 10 held
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_bad_orders_reach_no_broker_and_are_typed(mock, case):
    req, reason = BAD[case]
    before = mock.account_state()
    try:
        preview = mock.gateway.prepare(req, mock.ctx())
        req, token = with_client_id(req, preview.client_order_id), preview.token
    except OrderRejected:
        token = None
    with pytest.raises(OrderRejected) as err:
        mock.gateway.place(req, mock.ctx(token))
    assert err.value.reason is reason, err.value.message_en
    assert mock.posts() == (0, 0) and mock.account_state() == before
    if reason in (Reason.INSUFFICIENT_CASH, Reason.INSUFFICIENT_SHARES):
        assert err.value.broker_message  # the broker's own words are kept


def test_bad_modifies_and_cancels_reach_no_broker(mock):
    resting = mock.gateway.place(limit(2, 69000, "rest-1"), mock.ctx())
    filled = mock.gateway.place(
        OrderRequest(CODE, Side.BUY, 1, OrderType.MARKET, client_order_id="fill-1"), mock.ctx()
    )
    assert mock.posts() == (2, 0)
    cases = [
        (Modify("0000099999", price=69100), Reason.ORDER_NOT_FOUND),
        (Cancel("0000099999"), Reason.ORDER_NOT_FOUND),
        (Modify(filled.order_id, price=69100), Reason.NOT_ACTIVE),
        (Cancel(filled.order_id), Reason.NOT_ACTIVE),
        (Modify(resting.order_id, price=69050), Reason.OFF_TICK),
        (Modify(resting.order_id, price=-100), Reason.BAD_PRICE),
        (Modify(resting.order_id, price=95000), Reason.OUT_OF_LIMITS),
        (Modify(resting.order_id, qty=0), Reason.BAD_QTY),
        (Cancel(resting.order_id, qty=3), Reason.BAD_QTY),
    ]
    for cmd, reason in cases:
        with pytest.raises(OrderRejected) as err:
            (mock.gateway.modify if isinstance(cmd, Modify) else mock.gateway.cancel)(cmd, mock.ctx())
        assert err.value.reason is reason, (cmd, err.value.message_en)
    assert mock.posts() == (2, 0)
    assert mock.gateway.cancel(Cancel(resting.order_id), mock.ctx()).status is OrderStatus.CANCELLED
    assert mock.posts() == (2, 1)


def test_a_closed_market_reaches_no_broker(kind, db_url, tmp_path):
    h = Harness(kind, "mock", db_url, tmp_path, clock=SUNDAY)
    try:
        with pytest.raises(MarketClosed):
            h.gateway.place(limit(1, 69000), h.ctx())
        assert h.posts() == (0, 0)
    finally:
        h.close()


def test_a_real_account_receives_nothing_over_rpc_without_live_trading(
    kind, db_url, tmp_path, redis_url, key_prefix
):
    """The RPC entry point (web workers, Celery, the CLI in full mode) meets the same gate."""
    from trading.brokers.redis_rpc import RedisRpcServer, RedisTransport
    from trading.orders.remote import RemoteGateway

    h = Harness(kind, "real", db_url, tmp_path, live_trading=False)
    secret = b"rpc-gate-secret"
    server = RedisRpcServer(h.owner.endpoint(), redis_url, secret, prefix=key_prefix)
    server.start()
    transport = RedisTransport(redis_url, secret, prefix=key_prefix)
    try:
        gw = RemoteGateway(transport)
        for call in (
            lambda: gw.place(limit(1, 69000, "rpc-live-1"), h.ctx()),
            lambda: gw.cancel(Cancel("0000000001"), h.ctx()),
        ):
            with pytest.raises(OrderRejected) as err:
                call()
            assert err.value.reason is Reason.LIVE_DISABLED
        assert h.posts() == (0, 0)
    finally:
        server.stop()
        transport.close()
        h.close()
