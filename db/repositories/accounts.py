"""Trading accounts and who may use them.

* Every user has a paper account of their own (``paper-u<id>``, created on first use with
  ``PAPER_INITIAL_CASH``). The single paper account of earlier versions (``paper``) becomes the first
  admin's.
* The configured KIS/Kiwoom account is one row; an admin binds it to users (``gslts account bind``).
  When the row is first created every admin is bound to it, so the operator can trade at once.
* Limits (주문 착오방지) are columns; NULL takes the settings' default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import Account, AccountUser, User
from db.repositories.users import UserError, audit
from trading.orders.context import Role
from trading.orders.naming import paper_account
from trading.orders.risk import AccountLimits, OrderLimits, RiskState, RiskStatus
from trading.timeconv import now_naive_kst

ACCOUNTS, BINDINGS, USERS = Account.__table__, AccountUser.__table__, User.__table__
LEGACY_PAPER = "paper"


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    name: str
    broker: str
    env: str
    owner_user_id: int | None
    max_order_qty: int | None
    max_order_amount: int | None
    max_orders_per_minute: int | None
    risk: RiskStatus = RiskStatus()
    account_limits: AccountLimits = AccountLimits()

    def limits(self, defaults: OrderLimits) -> OrderLimits:
        return OrderLimits(
            self.max_order_qty if self.max_order_qty is not None else defaults.max_qty,
            self.max_order_amount if self.max_order_amount is not None else defaults.max_amount,
            self.max_orders_per_minute if self.max_orders_per_minute is not None else defaults.max_per_minute,
            self.account_limits,
        )


def _row(r) -> AccountRow:  # noqa: ANN001 - a Row of accounts
    return AccountRow(
        int(r.id), r.name, r.broker, r.env, r.owner_user_id, r.max_order_qty, r.max_order_amount,
        r.max_orders_per_minute, _risk(r),
        AccountLimits(r.max_orders_per_day, r.max_daily_loss, r.max_stock_pct, r.max_total_pct, r.cash_reserve),
    )  # fmt: skip


def _risk(r) -> RiskStatus:  # noqa: ANN001 - a Row of accounts
    try:
        state = RiskState(r.risk_state or "active")
    except ValueError:  # an unknown value written by hand: the safe side
        state = RiskState.HALTED
    return RiskStatus(
        state, r.risk_reason or "", r.risk_changed_by or "", r.risk_until, bool(r.risk_sells_allowed)
    )


def get_account(engine: Engine, name: str) -> AccountRow | None:
    with engine.connect() as conn:
        r = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.name == name)).first()
    return _row(r) if r else None


def list_accounts(engine: Engine) -> list[AccountRow]:
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(select(ACCOUNTS).order_by(ACCOUNTS.c.id)).all()]


def _create(engine: Engine, name: str, broker: str, env: str, cash: int, owner: int | None) -> bool:
    now = now_naive_kst()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(ACCOUNTS).values(
                    name=name,
                    broker=broker,
                    env=env,
                    cash=cash,
                    initial_cash=cash,
                    owner_user_id=owner,
                    created_at=now,
                    updated_at=now,
                )  # fmt: skip
            )
    except IntegrityError:  # created meanwhile by another process
        return False
    return True


def ensure_paper_account(engine: Engine, user_id: int, initial_cash: int) -> str:
    """The user's paper account name, created (or the legacy ``paper`` account claimed) if needed."""
    name = paper_account(user_id)
    if get_account(engine, name) is not None:
        return name
    with engine.begin() as conn:
        first_admin = conn.execute(
            select(USERS.c.id).where(USERS.c.role == Role.ADMIN.value).order_by(USERS.c.id).limit(1)
        ).scalar()
        if first_admin == user_id:
            claimed = conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.name == LEGACY_PAPER, ACCOUNTS.c.broker == "paper")
                .values(name=name, owner_user_id=user_id, env="paper")
            ).rowcount
            if claimed:
                return name
    _create(engine, name, "paper", "paper", initial_cash, user_id)
    return name


def ensure_broker_account(engine: Engine, name: str, broker: str, env: str) -> AccountRow:
    """The configured broker account's row; on creation every admin is bound to it."""
    if _create(engine, name, broker, env, 0, None):
        with engine.begin() as conn:
            admins = conn.execute(select(USERS.c.id).where(USERS.c.role == Role.ADMIN.value)).scalars().all()
            now = now_naive_kst()
            for uid in admins:
                conn.execute(
                    insert(BINDINGS).values(
                        account_id=_id(conn, name), user_id=uid, bound_at=now, bound_by="(first start)"
                    )
                )
    row = get_account(engine, name)
    assert row is not None
    return row


def _id(conn, name: str) -> int:  # noqa: ANN001
    return int(conn.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.name == name)).scalar_one())


def _user_id(conn, username: str) -> int:  # noqa: ANN001
    uid = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).scalar()
    if uid is None:
        raise UserError(f"no user {username!r}")
    return int(uid)


def bind(engine: Engine, account: str, username: str, by: str | None = None) -> bool:
    """Let ``username`` trade the broker account ``account``; False if it already could."""
    with engine.begin() as conn:
        row = conn.execute(select(ACCOUNTS.c.id, ACCOUNTS.c.broker).where(ACCOUNTS.c.name == account)).first()
        if row is None:
            raise UserError(f"no account {account!r}")
        if row.broker == "paper":
            raise UserError(f"{account} is a paper account: it belongs to its owner")
        uid = _user_id(conn, username)
        exists = conn.execute(
            select(BINDINGS.c.user_id).where(BINDINGS.c.account_id == row.id, BINDINGS.c.user_id == uid)
        ).first()
        if exists:
            return False
        conn.execute(
            insert(BINDINGS).values(account_id=row.id, user_id=uid, bound_at=now_naive_kst(), bound_by=by)
        )
    audit(engine, by, "account.bind", {"account": account, "user": username})
    return True


def unbind(engine: Engine, account: str, username: str, by: str | None = None) -> bool:
    with engine.begin() as conn:
        uid = _user_id(conn, username)
        done = conn.execute(
            delete(BINDINGS).where(
                BINDINGS.c.user_id == uid,
                BINDINGS.c.account_id
                == select(ACCOUNTS.c.id).where(ACCOUNTS.c.name == account).scalar_subquery(),
            )
        ).rowcount
    if done:
        audit(engine, by, "account.unbind", {"account": account, "user": username})
    return bool(done)


def bound_users(engine: Engine, account: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(USERS.c.username)
                .join(BINDINGS, BINDINGS.c.user_id == USERS.c.id)
                .join(ACCOUNTS, ACCOUNTS.c.id == BINDINGS.c.account_id)
                .where(ACCOUNTS.c.name == account)
                .order_by(USERS.c.username)
            ).scalars()
        )


def may_trade(engine: Engine, username: str, account: str) -> bool:
    """True when the enabled user owns the paper account ``account`` or is bound to the broker account."""
    with engine.connect() as conn:
        user = conn.execute(select(USERS.c.id, USERS.c.disabled).where(USERS.c.username == username)).first()
        if user is None or user.disabled:
            return False
        acc = conn.execute(
            select(ACCOUNTS.c.id, ACCOUNTS.c.broker, ACCOUNTS.c.owner_user_id).where(
                ACCOUNTS.c.name == account
            )
        ).first()
        if acc is None:
            return False
        if acc.broker == "paper":
            return acc.owner_user_id == user.id
        return (
            conn.execute(
                select(BINDINGS.c.user_id).where(
                    and_(BINDINGS.c.account_id == acc.id, BINDINGS.c.user_id == user.id)
                )
            ).first()
            is not None
        )


def set_limits(
    engine: Engine,
    account: str,
    *,
    max_order_qty: int | None = None,
    max_order_amount: int | None = None,
    max_orders_per_minute: int | None = None,
    by: str | None = None,
) -> AccountRow:
    """Set the given limits (others unchanged); each must be a positive whole number."""
    values = {
        k: v
        for k, v in (
            ("max_order_qty", max_order_qty),
            ("max_order_amount", max_order_amount),
            ("max_orders_per_minute", max_orders_per_minute),
        )
        if v is not None
    }
    for key, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise UserError(f"{key} must be a whole number >= 1, got {v!r}")
    with engine.begin() as conn:
        if (
            values
            and not conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.name == account)
                .values({**values, "updated_at": now_naive_kst()})
            ).rowcount
        ):
            raise UserError(f"no account {account!r}")
    row = get_account(engine, account)
    if row is None:
        raise UserError(f"no account {account!r}")
    if values:
        audit(engine, by, "account.limits", {"account": account, **values})
    return row


def set_risk_state(engine: Engine, account: str, status: RiskStatus) -> AccountRow:
    """Put ``account`` in ``status`` (audited); ``UserError`` when there is no such account."""
    with engine.begin() as conn:
        done = conn.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.name == account)
            .values(
                risk_state=status.state.value,
                risk_reason=status.reason[:200] or None,
                risk_changed_by=status.by[:40] or None,
                risk_changed_at=now_naive_kst(),
                risk_until=status.until,
                risk_sells_allowed=status.sells_allowed,
            )  # fmt: skip
        ).rowcount
        if done:  # the alerts outbox, in the same transaction
            _risk_event(conn, account, status)
    if not done:
        raise UserError(f"no account {account!r}")
    audit(engine, status.by or None, "account.risk_state",
          {"account": account, "state": status.state.value, "reason": status.reason})  # fmt: skip
    row = get_account(engine, account)
    assert row is not None
    return row


ACCOUNT_LIMITS = ("max_orders_per_day", "max_daily_loss", "max_stock_pct", "max_total_pct", "cash_reserve")


def set_account_limits(
    engine: Engine, account: str, values: dict[str, float | int | None], by: str | None = None
) -> AccountRow:
    """Set the risk manager's account-level limits given in ``values`` (``ACCOUNT_LIMITS`` keys; None turns
    one off); ``UserError`` for an unknown key, a bad value or an unknown account."""
    for key, v in values.items():
        if key not in ACCOUNT_LIMITS:
            raise UserError(f"unknown limit {key!r}")
        if v is None:
            continue
        low = 0 if key == "cash_reserve" else 1
        if key.endswith("_pct"):
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 100:
                raise UserError(f"{key} must be a percentage in (0, 100], got {v!r}")
        elif isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise UserError(f"{key} must be a whole number >= {low}, got {v!r}")
    with engine.begin() as conn:
        done = conn.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.name == account)
            .values({**values, "updated_at": now_naive_kst()})
        ).rowcount
    if not done:
        raise UserError(f"no account {account!r}")
    audit(engine, by, "account.risk_limits", {"account": account, **values})
    row = get_account(engine, account)
    assert row is not None
    return row


def _risk_event(conn, account: str, status: RiskStatus) -> None:  # noqa: ANN001 - a Connection
    """``risk.kill`` for a halt until resumed (the kill switch, a manual halt), ``risk.state`` otherwise."""
    from db.repositories.alerts import write_events
    from trading.alerts.events import AlertEvent, EventType
    from trading.orders.risk import RiskState

    account_id = _id(conn, account)
    kill = status.state is RiskState.HALTED and status.until is None
    now = now_naive_kst()
    payload = {"account": account, "state": status.state.value, "reason": status.reason, "by": status.by,
               "until": status.until.isoformat() if status.until else None,
               "text": f"{account}: {status.state.value.upper()} — {status.reason}".rstrip(" —")}  # fmt: skip
    kind = EventType.KILL_SWITCH if kill else EventType.RISK_STATE
    dedupe = f"risk:{account_id}:{now:%Y%m%d%H%M%S%f}:{status.state.value}"
    write_events(conn, [AlertEvent(kind, dedupe, now, payload, account_id)])
