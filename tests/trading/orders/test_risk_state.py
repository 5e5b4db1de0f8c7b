"""The account's risk state in the gateway (issue 15, the risk manager's states and kill switch), on SQLite
and MariaDB: HALTED lets only cancels through, REDUCING only sells within the shares held, the kill switch
halts first and then cancels every open order, and the state survives an owner restart until a resume."""

from __future__ import annotations

import pytest
from support.owner import owner_settings, start_test_owner

from db.repositories.accounts import ensure_paper_account, get_account, set_limits
from trading.brokers.errors import OrderRejected, Reason
from trading.domain import OrderRequest, OrderStatus, OrderType, Side
from trading.orders.commands import Cancel, Modify
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.orders.risk import RiskState

CODE = "005930"
TRADER = Actor("trader", Role.ADMIN)  # user 1: owns paper-u1
KIM = Actor("kim", Role.TRADER)  # user 2: owns paper-u2


@pytest.fixture
def owner(db_url, tmp_path):
    settings = owner_settings(tmp_path, db_url, market_speed=1.0, paper_initial_cash=1_000_000_000)
    owner = start_test_owner(settings)
    for uid in (1, 2):
        ensure_paper_account(owner.engine, uid, settings.paper_initial_cash)
    set_limits(owner.engine, "paper-u1", max_order_qty=10_000, max_order_amount=10**12,
               max_orders_per_minute=10_000)  # fmt: skip
    owner.directory.forget()
    yield owner
    owner.gateway.set_risk_state(ctx(), "active", "test over")
    owner.close()


def ctx(actor: Actor = TRADER, account: str = "paper-u1") -> OrderContext:
    return OrderContext(actor, account, EntryPoint.CLI)


def resting_buy(owner, qty: int = 1) -> OrderRequest:
    bid = owner.reader(None).order_book(CODE).bids[-1].price
    return OrderRequest(CODE, Side.BUY, qty, OrderType.LIMIT, bid)


def market(side: Side, qty: int) -> OrderRequest:
    return OrderRequest(CODE, side, qty, OrderType.MARKET)


def test_the_kill_switch_halts_first_then_cancels_every_open_order(owner):
    gw = owner.gateway
    open_ids = [gw.place(resting_buy(owner), ctx()).order_id for _ in range(3)]
    other = gw.place(resting_buy(owner), ctx(KIM, "paper-u2"))  # another account is not touched

    report = gw.kill(ctx(), "test: runaway strategy")

    assert report.state == "halted" and report.by == "trader" and report.failed == ()
    assert sorted(report.cancelled) == sorted(open_ids)
    book = owner.reader("paper-u1")
    assert [o for o in book.open_orders()] == []
    assert all(o.status is OrderStatus.CANCELLED for o in book.orders() if o.order_id in open_ids)
    assert owner.reader("paper-u2").open_orders()[0].order_id == other.order_id
    row = get_account(owner.engine, "paper-u1")
    assert row is not None and row.risk.state is RiskState.HALTED and "runaway" in row.risk.reason

    for cmd in (resting_buy(owner), market(Side.SELL, 1)):  # buys and sells alike
        with pytest.raises(OrderRejected) as err:
            gw.place(cmd, ctx())
        assert err.value.reason is Reason.HALTED
        assert "거래 정지" in err.value.message_ko
    gw.place(resting_buy(owner), ctx(KIM, "paper-u2"))  # the other account trades on


def test_halted_allows_cancels_only_and_survives_a_restart_until_resumed(db_url, tmp_path):
    first = start_test_owner(owner_settings(tmp_path / "first", db_url, market_speed=1.0))
    try:
        gw = first.gateway
        o = gw.place(resting_buy(first), ctx())
        gw.set_risk_state(ctx(), "halted", "test")  # halted without cancelling
        with pytest.raises(OrderRejected) as err:
            gw.modify(Modify(o.order_id, qty=2), ctx())
        assert err.value.reason is Reason.HALTED
        assert gw.cancel(Cancel(o.order_id), ctx()).status is OrderStatus.CANCELLED
    finally:
        first.close()
    again = start_test_owner(owner_settings(tmp_path / "again", db_url, market_speed=1.0))  # a restart
    try:
        assert again.gateway.risk_state(ctx()).state == "halted"  # from the database
        with pytest.raises(OrderRejected) as err:
            again.gateway.place(resting_buy(again), ctx())
        assert err.value.reason is Reason.HALTED
        assert again.gateway.set_risk_state(ctx(), "active", "checked").state == "active"
        assert again.gateway.place(resting_buy(again), ctx()).status is OrderStatus.OPEN
    finally:
        again.gateway.set_risk_state(ctx(), "active", "test over")
        again.close()


def test_reducing_allows_only_sells_within_the_shares_held(owner):
    gw = owner.gateway
    bought = gw.place(market(Side.BUY, 5), ctx())
    assert bought.filled_qty == 5
    gw.set_risk_state(ctx(), "reducing", "test: daily loss near")
    with pytest.raises(OrderRejected) as err:
        gw.place(resting_buy(owner), ctx())
    assert err.value.reason is Reason.REDUCING_ONLY
    with pytest.raises(OrderRejected) as err:
        gw.place(market(Side.SELL, 6), ctx())  # more than held: it would open a short
    assert err.value.reason is Reason.REDUCING_ONLY
    assert gw.place(market(Side.SELL, 3), ctx()).filled_qty == 3


def test_only_a_bound_trader_changes_the_state_and_bad_states_are_refused(owner):
    with pytest.raises(OrderRejected) as err:
        owner.gateway.kill(ctx(KIM, "paper-u1"))
    assert err.value.reason is Reason.FORBIDDEN
    with pytest.raises(OrderRejected) as err:
        owner.gateway.set_risk_state(ctx(), "paused")
    assert err.value.reason is Reason.BAD_RISK_STATE
    assert owner.gateway.risk_state(ctx()).state == "active"


# --- the account-level limits ------------------------------------------------------------------------


def _limits(owner, **values) -> None:
    from db.repositories.accounts import ACCOUNT_LIMITS, set_account_limits

    set_account_limits(owner.engine, "paper-u1", {k: values.get(k) for k in ACCOUNT_LIMITS}, "test")
    owner.directory.forget()


def test_the_daily_loss_limit_halts_for_the_day_buys_blocked_sells_and_cancels_allowed(owner):
    gw = owner.gateway
    bought = gw.place(market(Side.BUY, 10), ctx())
    assert bought.filled_qty == 10
    resting = gw.place(resting_buy(owner), ctx())
    _limits(owner, max_daily_loss=1)  # any loss at all (the buy's commission is one)
    with pytest.raises(OrderRejected) as err:
        gw.place(resting_buy(owner), ctx())
    assert err.value.reason is Reason.DAILY_LOSS and "일일 손실 한도" in err.value.message_ko
    row = get_account(owner.engine, "paper-u1")
    assert row is not None and row.risk.state is RiskState.HALTED and row.risk.until is not None
    assert row.risk.sells_allowed and "daily loss" in row.risk.reason
    with pytest.raises(OrderRejected) as err:
        gw.place(resting_buy(owner), ctx())  # from now on the state says so
    assert err.value.reason is Reason.HALTED
    assert gw.place(market(Side.SELL, 4), ctx()).filled_qty == 4  # reducing sells pass
    held = sum(p.qty for p in owner.reader("paper-u1").balance().positions if p.code == CODE)
    with pytest.raises(OrderRejected) as err:
        gw.place(market(Side.SELL, held + 1), ctx())  # more than held: not reducing
    assert err.value.reason is Reason.HALTED
    assert gw.cancel(Cancel(resting.order_id), ctx()).status is OrderStatus.CANCELLED
    _limits(owner)


def test_a_halt_for_the_day_lapses_on_the_next_session():
    from datetime import date

    from trading.orders.risk import RiskStatus

    st = RiskStatus(RiskState.HALTED, "daily loss limit", "risk manager", date(2026, 11, 30), True)
    assert st.in_force(date(2026, 11, 30)) is RiskState.HALTED
    assert st.in_force(date(2026, 12, 1)) is RiskState.ACTIVE
    assert RiskStatus(RiskState.HALTED).in_force(date(2027, 1, 4)) is RiskState.HALTED  # the kill switch's


def test_orders_per_day_cash_reserve_and_exposure_limits(owner):
    gw = owner.gateway
    price = owner.reader(None).quote(CODE).price
    equity = owner.reader("paper-u1").balance().total_value
    done = len(owner.reader("paper-u1").orders())  # earlier tests of the module traded today already
    _limits(owner, max_orders_per_day=done + 1)
    gw.place(resting_buy(owner), ctx())  # the last one the limit allows
    with pytest.raises(OrderRejected) as err:
        gw.place(resting_buy(owner), ctx())
    assert err.value.reason is Reason.DAILY_ORDERS

    _limits(owner, cash_reserve=owner.reader("paper-u1").balance().orderable - price // 2)
    with pytest.raises(OrderRejected) as err:
        gw.place(market(Side.BUY, 1), ctx())
    assert err.value.reason is Reason.CASH_RESERVE

    bal = owner.reader("paper-u1").balance()
    held = sum(p.value for p in bal.positions if p.code == CODE)  # earlier tests of the module bought some
    pct = 100 * (held + 3 * price) / equity  # what is held plus three shares' worth
    _limits(owner, max_stock_pct=pct)
    assert gw.place(market(Side.BUY, 1), ctx()).filled_qty == 1
    with pytest.raises(OrderRejected) as err:
        gw.place(market(Side.BUY, 3), ctx())  # 1 + 3 shares > 3 shares' worth
    assert err.value.reason is Reason.EXPOSURE_STOCK
    _limits(owner, max_total_pct=100 * (bal.stock_value + 3 * price) / equity)
    with pytest.raises(OrderRejected) as err:
        gw.place(OrderRequest("000660", Side.BUY, 1_000, OrderType.MARKET), ctx())
    assert err.value.reason is Reason.EXPOSURE_TOTAL
    assert gw.place(market(Side.SELL, 1), ctx()).filled_qty == 1  # sells are never held back by these
    _limits(owner)
