"""The order gateway on the paper market, on SQLite and MariaDB: the bad-input matrix, confirmation
tokens, roles, per-account limits, exactly-once client ids, crash recovery and the fencing token."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.owner import lease_for, owner_settings, prepare_database, start_test_owner

from db.models import AuditLog, OrderIntent
from db.repositories.accounts import ensure_paper_account, set_limits
from db.repositories.owners import next_fence
from db.repositories.users import set_disabled
from services.owner import paper_stores
from trading.brokers.errors import MarketClosed, OrderRejected, Reason
from trading.domain import KST, OrderRequest, OrderStatus, OrderType, Side
from trading.krx import move_ticks
from trading.market.clock import RealClock
from trading.market.service import MarketService
from trading.orders.commands import Cancel, Modify, with_client_id
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.orders.journal import IntentState, NewIntent

CODE = "005930"
TRADER = Actor("trader", Role.ADMIN)  # user 1: owns paper-u1
KIM = Actor("kim", Role.TRADER)  # user 2: owns paper-u2
VIEWER = Actor("viewer", Role.VIEWER)  # user 3


@pytest.fixture(scope="module")
def owner(db_url, tmp_path_factory):
    settings = owner_settings(
        tmp_path_factory.mktemp("owner"), db_url, market_speed=1.0, paper_initial_cash=1_000_000_000,
        order_confirm_amount=50_000_000, order_inflight_wait_s=2.0,
    )  # fmt: skip
    owner = start_test_owner(settings)
    for uid in (1, 2, 3):
        ensure_paper_account(owner.engine, uid, settings.paper_initial_cash)
    set_limits(
        owner.engine,
        "paper-u1",
        max_order_qty=1_000_000,
        max_order_amount=10**12,
        max_orders_per_minute=10_000,
    )
    owner.directory.forget()
    yield owner
    owner.close()


def ctx(actor: Actor = TRADER, account: str = "paper-u1", token: str | None = None) -> OrderContext:
    return OrderContext(actor, account, EntryPoint.API, token)


def state(owner, account: str = "paper-u1") -> dict:
    """The account as the exchange holds it plus what the database has (orders, intents)."""
    snap = owner.market.exchange_for(account).snapshot()
    with owner.engine.connect() as conn:
        n_intents = conn.execute(select(func.count()).select_from(OrderIntent)).scalar()
    return {"exchange": snap, "intents": n_intents}


def book(owner):
    return owner.reader(None).order_book(CODE)


def resting_buy(owner, qty: int = 1, cid: str | None = None) -> OrderRequest:
    return OrderRequest(CODE, Side.BUY, qty, OrderType.LIMIT, book(owner).bids[-1].price, cid)


# --- the bad-input matrix ----------------------------------------------------------------------------


def _limits(owner) -> tuple[int, int]:
    return owner.market.sim.limits(CODE)


def _held(owner) -> int:
    return sum(p.qty for p in owner.reader("paper-u1").balance().positions if p.code == CODE)


BAD_PLACES = {
    "qty 0": (lambda o: OrderRequest(CODE, Side.BUY, 0, OrderType.MARKET), Reason.BAD_QTY),
    "qty -1": (lambda o: OrderRequest(CODE, Side.BUY, -1, OrderType.MARKET), Reason.BAD_QTY),
    "qty 1.5": (lambda o: OrderRequest(CODE, Side.BUY, 1.5, OrderType.MARKET), Reason.BAD_QTY),
    "qty true": (lambda o: OrderRequest(CODE, Side.BUY, True, OrderType.MARKET), Reason.BAD_QTY),
    "qty 1e30": (lambda o: OrderRequest(CODE, Side.BUY, 10**30, OrderType.MARKET), Reason.BAD_QTY),
    "price off-tick": (lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, book(o).bids[0].price + 1), Reason.OFF_TICK),
    "price 0": (lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, 0), Reason.BAD_PRICE),
    "price negative": (lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, -100), Reason.BAD_PRICE),
    "price float": (lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, 70000.5), Reason.BAD_PRICE),
    "price above the limit": (
        lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, move_ticks(_limits(o)[0], 1)),
        Reason.OUT_OF_LIMITS,
    ),
    "price below the limit": (
        lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, move_ticks(_limits(o)[1], -1)),
        Reason.OUT_OF_LIMITS,
    ),
    "unknown code": (lambda o: OrderRequest("ZZZZZZ", Side.BUY, 1, OrderType.MARKET), Reason.UNKNOWN_CODE),
    "code with a newline": (lambda o: OrderRequest("005930\n", Side.BUY, 1, OrderType.MARKET), Reason.UNKNOWN_CODE),
    "bad side": (lambda o: OrderRequest(CODE, "hold", 1, OrderType.MARKET), Reason.BAD_SIDE),  # type: ignore[arg-type]
    "insufficient cash": (
        lambda o: OrderRequest(CODE, Side.BUY, 900_000, OrderType.LIMIT, _limits(o)[0]),
        Reason.INSUFFICIENT_CASH,
    ),
    "selling more than held": (
        lambda o: OrderRequest(CODE, Side.SELL, _held(o) + 1, OrderType.MARKET), Reason.INSUFFICIENT_SHARES
    ),
    "bad client id": (lambda o: OrderRequest(CODE, Side.BUY, 1, OrderType.MARKET, client_order_id="a b"), Reason.BAD_CLIENT_ID),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_PLACES))
def test_bad_orders_are_refused_typed_and_change_nothing(owner, case):
    make, reason = BAD_PLACES[case]
    req = make(owner)
    try:  # a large order gets its confirmation first, so the case meets the check it is about
        preview = owner.gateway.prepare(req, ctx())
        req, token = with_client_id(req, preview.client_order_id), preview.token
    except OrderRejected:
        token = None
    before = state(owner)
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(req, ctx(token=token))
    assert err.value.reason is reason, err.value.message_en
    assert err.value.message_ko and err.value.message_en  # Korean for the page, English for the CLI
    after = state(owner)
    assert after["exchange"] == before["exchange"]
    assert (
        after["intents"] == before["intents"]
    )  # the journal writes the intent with the order, or not at all


def _filled_order(owner):
    return owner.gateway.place(OrderRequest(CODE, Side.BUY, 1, OrderType.MARKET), ctx())


BAD_REVISIONS = {
    "modify an unknown order": (lambda o: Modify("P20990101" + "9" * 10, price=None, qty=5), Reason.ORDER_NOT_FOUND),
    "cancel an unknown order": (lambda o: Cancel("no-such-order"), Reason.ORDER_NOT_FOUND),
    "modify a filled order": (lambda o: Modify(_filled_order(o).order_id, qty=5), Reason.NOT_ACTIVE),
    "cancel a filled order": (lambda o: Cancel(_filled_order(o).order_id), Reason.NOT_ACTIVE),
    "modify to an off-tick price": (
        lambda o: Modify(o.gateway.place(resting_buy(o), ctx()).order_id, price=book(o).bids[-1].price + 1),
        Reason.OFF_TICK,
    ),
    "modify to qty 0": (lambda o: Modify(o.gateway.place(resting_buy(o), ctx()).order_id, qty=0), Reason.BAD_QTY),
    "modify changing nothing": (lambda o: Modify(o.gateway.place(resting_buy(o), ctx()).order_id), Reason.NO_CHANGE),
    "cancel more than remains": (lambda o: Cancel(o.gateway.place(resting_buy(o), ctx()).order_id, qty=2), Reason.BAD_QTY),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_REVISIONS))
def test_bad_modifies_and_cancels_are_refused_typed_and_change_nothing(owner, case):
    make, reason = BAD_REVISIONS[case]
    cmd = make(owner)  # may place the order it revises
    before = state(owner)
    with pytest.raises(OrderRejected) as err:
        (owner.gateway.modify if isinstance(cmd, Modify) else owner.gateway.cancel)(cmd, ctx())
    assert err.value.reason is reason, err.value.message_en
    assert state(owner) == before


@pytest.fixture(params=["sqlite", "mariadb"])
def fresh_url(request) -> str:
    """A database of its own (a second owner would move the module owner's fencing token)."""
    url = request.getfixturevalue(f"{request.param}_url")
    prepare_database(url)
    return url


def test_market_closed_is_refused(fresh_url, tmp_path):
    """A market on the real calendar on a Sunday: MARKET_CLOSED, nothing written."""
    settings = owner_settings(tmp_path, fresh_url, market_clock="real")
    lease = lease_for(settings)
    sunday = RealClock(wall=lambda: datetime(2026, 11, 29, 11, 0, tzinfo=KST))
    market = MarketService(clock=sunday, store_factory=paper_stores(lease.engine, settings, lease))
    owner = start_test_owner(settings, lease, market=market)
    ensure_paper_account(owner.engine, 1, settings.paper_initial_cash)
    try:
        with pytest.raises(MarketClosed) as err:
            owner.gateway.place(OrderRequest(CODE, Side.BUY, 1, OrderType.MARKET), ctx(account="paper-u1"))
        assert err.value.reason is Reason.MARKET_CLOSED and "장 운영시간" in err.value.message_ko
    finally:
        owner.close()


# --- confirmation, rights, limits ---------------------------------------------------------------------


def test_a_large_order_needs_its_own_confirmation_token(owner):
    big = OrderRequest(CODE, Side.BUY, 1000, OrderType.LIMIT, book(owner).bids[-1].price, "big-1")
    assert big.price * big.qty > 50_000_000
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(big, ctx())
    assert err.value.reason is Reason.CONFIRM_REQUIRED
    preview = owner.gateway.prepare(big, ctx())
    assert preview.confirm == ("large",) and preview.token and preview.client_order_id == "big-1"
    other = OrderRequest(CODE, Side.BUY, 999, OrderType.LIMIT, big.price, "big-1b")
    with pytest.raises(OrderRejected) as err:  # the token is bound to exactly one order
        owner.gateway.place(other, ctx(token=preview.token))
    assert err.value.reason is Reason.CONFIRM_REQUIRED
    with pytest.raises(OrderRejected):  # nor for another user
        owner.gateway.place(big, OrderContext(KIM, "paper-u2", EntryPoint.API, preview.token))
    first = owner.gateway.place(big, ctx(token=preview.token))
    again = owner.gateway.place(big, ctx(token=preview.token))  # one-time: the same order, not a second
    assert again.order_id == first.order_id
    assert sum(o.client_order_id == "big-1" for o in owner.reader("paper-u1").orders()) == 1
    owner.gateway.cancel(Cancel(first.order_id), ctx())
    small = OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, big.price)
    assert owner.gateway.prepare(small, ctx()).confirm == ()


def test_viewers_and_strangers_place_nothing(owner):
    before = state(owner, "paper-u1")
    for who, account in ((VIEWER, "paper-u3"), (KIM, "paper-u1"), (Actor("nobody", Role.TRADER), "paper-u1")):
        with pytest.raises(OrderRejected) as err:
            owner.gateway.place(resting_buy(owner), OrderContext(who, account, EntryPoint.PAGE))
        assert err.value.reason is Reason.FORBIDDEN
    assert state(owner, "paper-u1")["exchange"] == before["exchange"]
    set_disabled(owner.engine, "kim", True)
    owner.directory.forget()
    try:
        with pytest.raises(OrderRejected) as err:
            owner.gateway.place(resting_buy(owner), ctx(KIM, "paper-u2"))
        assert err.value.reason is Reason.FORBIDDEN
    finally:
        set_disabled(owner.engine, "kim", False)
        owner.directory.forget()
    with owner.engine.connect() as conn:
        denied = conn.execute(
            select(AuditLog.action, AuditLog.username).where(AuditLog.action == "order.place.denied")
        ).all()
    assert {("order.place.denied", "viewer"), ("order.place.denied", "kim")} <= set(denied)


def test_per_account_limits(owner):
    price = book(owner).bids[-1].price
    set_limits(
        owner.engine, "paper-u2", max_order_qty=10, max_order_amount=price * 5, max_orders_per_minute=3
    )
    owner.directory.forget()
    k = ctx(KIM, "paper-u2")
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(OrderRequest(CODE, Side.BUY, 11, OrderType.LIMIT, price), k)
    assert err.value.reason is Reason.MAX_QTY
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(OrderRequest(CODE, Side.BUY, 10, OrderType.LIMIT, price), k)
    assert err.value.reason is Reason.MAX_AMOUNT
    placed = [
        owner.gateway.place(OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, price, f"rate-{i}"), k)
        for i in range(3)
    ]
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, price), k)
    assert err.value.reason is Reason.ORDER_RATE
    # A retry of an order that went through is answered from the journal, whatever the limits say now.
    assert (
        owner.gateway.place(OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, price, "rate-0"), k).order_id
        == placed[0].order_id
    )
    for o in placed:  # cancels are never limited
        assert owner.gateway.cancel(Cancel(o.order_id), k).status is OrderStatus.CANCELLED


# --- exactly once ---------------------------------------------------------------------------------------


def test_one_client_id_from_many_threads_is_one_order(owner):
    req = resting_buy(owner, cid="same-id-threads")
    results: list[str] = []
    errors: list[Exception] = []

    def send() -> None:
        try:
            results.append(owner.gateway.place(req, ctx()).order_id)
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(set(results)) == 1 and len(results) == 8
    assert sum(o.client_order_id == "same-id-threads" for o in owner.reader("paper-u1").orders()) == 1
    with pytest.raises(OrderRejected) as err:  # the same id for a different order is refused
        owner.gateway.place(resting_buy(owner, qty=2, cid="same-id-threads"), ctx())
    assert err.value.reason is Reason.BAD_CLIENT_ID


def test_a_crash_between_intent_and_outcome_is_reconciled(owner):
    """Killed after the intent was committed: never sent → lost; sent (the exchange has it) → accepted."""
    journal = owner.gateway.journal
    now = datetime.now(KST)
    req = resting_buy(owner, cid="crash-sent")
    order = owner.reader("paper-u1").place_order(req)  # what the gateway sent before the crash
    sent, _ = journal.begin(
        NewIntent("paper-u1", "crash-sent", "place", {"code": CODE, "side": "buy", "qty": 1, "type": "limit",
                                                      "price": req.price}, "trader", "page", now),
        owner.lease.scope, owner.lease.token,
    )  # fmt: skip
    unsent, _ = journal.begin(
        NewIntent("paper-u1", "crash-unsent", "place", {"code": CODE, "side": "buy", "qty": 1, "type": "market",
                                                        "price": None}, "trader", "page", now),
        owner.lease.scope, owner.lease.token,
    )  # fmt: skip
    owner.gateway.reconcile()  # (the owner's reconciler thread may have done it already)
    assert journal.get("paper-u1", "crash-unsent").state is IntentState.LOST
    settled = journal.get("paper-u1", "crash-sent")
    assert settled.state is IntentState.ACCEPTED and settled.order_id == order.order_id
    # Asking again returns the order that exists; the lost one is a typed refusal, never a resend.
    assert owner.gateway.place(req, ctx()).order_id == order.order_id
    with pytest.raises(OrderRejected) as err:
        owner.gateway.place(
            OrderRequest(CODE, Side.BUY, 1, OrderType.MARKET, client_order_id="crash-unsent"), ctx()
        )
    assert err.value.reason is Reason.LOST
    owner.gateway.cancel(Cancel(order.order_id), ctx())


def test_outcomes_reach_the_database(owner):
    """Outcomes are written behind the caller (reads in the process see them at once); they do land."""
    o = owner.gateway.place(resting_buy(owner, cid="written-1"), ctx())
    owner.gateway.cancel(Cancel(o.order_id, client_order_id="written-1-cancel"), ctx())
    assert owner.gateway.journal.flush(10)
    with owner.engine.connect() as conn:
        rows = dict(conn.execute(select(OrderIntent.client_order_id, OrderIntent.state).where(
            OrderIntent.client_order_id.in_(["written-1", "written-1-cancel"]))).all())  # fmt: skip
    assert rows == {"written-1": "accepted", "written-1-cancel": "accepted"}


def test_every_order_is_audited_with_user_and_entry_point(owner):
    o = owner.gateway.place(
        resting_buy(owner, cid="audited-1"), OrderContext(TRADER, "paper-u1", EntryPoint.BOT)
    )
    owner.gateway.cancel(
        Cancel(o.order_id, client_order_id="audited-1-cancel"),
        OrderContext(TRADER, "paper-u1", EntryPoint.CLI),
    )
    with owner.engine.connect() as conn:
        rows = conn.execute(
            select(AuditLog.action, AuditLog.username, AuditLog.detail).where(AuditLog.username == "trader")
        ).all()
    mine = [
        (r.action, r.detail["entry"])
        for r in rows
        if r.detail.get("client_order_id", "").startswith("audited-1")
    ]
    assert ("order.place", "bot") in mine and ("order.cancel", "cli") in mine


def test_a_stale_owner_sends_and_writes_nothing(fresh_url, tmp_path: Path):
    """Another process took the fencing token (the lease moved): this owner's journal and paper store refuse."""
    settings = owner_settings(tmp_path, fresh_url, market_speed=1.0)
    owner = start_test_owner(settings)
    ensure_paper_account(owner.engine, 1, settings.paper_initial_cash)
    try:
        first = owner.gateway.place(resting_buy(owner, cid=f"fence-{tmp_path.name[-6:]}"), ctx())
        next_fence(owner.engine, owner.lease.scope, "another owner")
        before = state(owner)
        with pytest.raises(OrderRejected) as err:
            owner.gateway.place(resting_buy(owner), ctx())
        assert err.value.reason is Reason.NOT_OWNER
        with pytest.raises(OrderRejected) as err:  # the store refuses even a direct write (a fill, a cancel)
            owner.reader("paper-u1").cancel_order(first.order_id)
        assert err.value.reason is Reason.NOT_OWNER
        after = state(owner)
        (
            after["exchange"].pop("next_seq"),
            before["exchange"].pop("next_seq"),
        )  # a refused write's id stays used
        assert after == before
    finally:
        owner.close()
