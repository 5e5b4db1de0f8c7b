"""SqlPaperStore: the paper exchange's PaperStore on the accounts/orders/fills/positions tables.

Times are stored naive in KST (DATETIME(3) on MariaDB: the exchange already rounds to milliseconds).
Every ``apply`` is one transaction; a failure of its COMMIT raises ``CommitUnknown`` (it may have been
stored), a refused row ``WriteRefused``, anything earlier leaves nothing written.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import JSON, Engine, Update, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError

from db.models import Account, AuditLog, FillRow, OrderIntent, OrderRow, OwnerFence, PositionRow
from db.repositories.alerts import EV as ALERT_EVENTS
from db.repositories.alerts import event_row
from trading.alerts.events import fill_event, order_event
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.store import (
    ORDER_ID_PREFIX,
    SEQ_OFFSET,
    AccountState,
    CommitUnknown,
    DuplicateAttachment,
    OrderRecord,
    PositionRecord,
    StoreEvent,
    WriteRefused,
    event_key,
)
from trading.domain import Fill, Order, OrderStatus, OrderType, Side
from trading.timeconv import as_kst, day_range, naive_kst, now_naive_kst

ACCOUNTS, ORDERS, FILLS, POSITIONS = (m.__table__ for m in (Account, OrderRow, FillRow, PositionRow))
FENCES, INTENTS, AUDIT = OwnerFence.__table__, OrderIntent.__table__, AuditLog.__table__
ACTIVE = (OrderStatus.OPEN.value, OrderStatus.PARTIAL.value)


def fill_row(f: Fill, account_id: int) -> dict[str, object]:
    """The ``fills`` row of one execution (times naive KST)."""
    return dict(
        fill_id=f.fill_id, order_id=f.order_id, account_id=account_id, code=f.code, side=str(f.side),
        price=f.price, qty=f.qty, commission=f.commission, tax=f.tax, time=naive_kst(f.time),
    )  # fmt: skip


class SqlPaperStore:
    """PaperStore for one account (created on first use with ``initial_cash``).

    With ``fence`` (scope, token) every write is conditional on the token still being the scope's
    current one (``owner_fences``): a market owner that lost its lease writes nothing (``NOT_OWNER``).
    """

    def __init__(
        self,
        engine: Engine,
        account_name: str = "paper",
        initial_cash: int = 100_000_000,
        fence: tuple[str, int] | None = None,
    ):
        self.engine = engine
        self.account_name = account_name
        self.fence = fence
        with engine.begin() as conn:
            row = conn.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.name == account_name)).first()
            if row is None:
                now = now_naive_kst()
                res = conn.execute(
                    insert(ACCOUNTS).values(
                        name=account_name,
                        broker="paper",
                        cash=initial_cash,
                        initial_cash=initial_cash,
                        created_at=now,
                        updated_at=now,
                    )  # fmt: skip
                )
                self.account_id = int(res.inserted_primary_key[0])
            else:
                self.account_id = int(row.id)

    # --- reads -------------------------------------------------------------------------------

    def load(self, day: date) -> AccountState:
        lo, hi = day_range(day)
        o, f, p, a = ORDERS.c, FILLS.c, POSITIONS.c, ACCOUNTS.c
        with self.engine.connect() as conn:
            acc = conn.execute(select(a.cash, a.initial_cash).where(a.id == self.account_id)).one()
            orders = conn.execute(
                select(ORDERS).where(
                    o.account_id == self.account_id,
                    or_(o.status.in_(ACTIVE), and_(o.created_at >= lo, o.created_at < hi)),
                )
            ).all()
            active = [r.order_id for r in orders if r.status in ACTIVE]
            cond = and_(f.time >= lo, f.time < hi)
            if active:
                cond = or_(cond, f.order_id.in_(active))
            fills = conn.execute(
                select(FILLS).where(f.account_id == self.account_id, cond).order_by(f.time, f.fill_id)
            ).all()
            positions = conn.execute(select(POSITIONS).where(p.account_id == self.account_id)).all()
            tail = func.substr(o.order_id, SEQ_OFFSET + 1)
            top = conn.execute(  # the largest counter: longer tails (wider ids) first
                select(tail)
                .where(o.order_id.like(ORDER_ID_PREFIX + "%"))
                .order_by(func.length(o.order_id).desc(), tail.desc())
                .limit(1)
            ).scalar()
        return AccountState(
            cash=int(acc.cash),
            initial_cash=int(acc.initial_cash),
            orders=[OrderRecord(_order(r), int(r.queue_ahead or 0), int(r.reserved or 0)) for r in orders],
            fills=[_fill(r) for r in fills],
            positions=[
                PositionRecord(r.code, int(r.qty), int(r.cost), int(r.realized_pnl or 0)) for r in positions
            ],
            next_seq=(int(top) if top and str(top).isdigit() else 0) + 1,
        )

    def orders_on(self, day: date) -> list[Order]:
        lo, hi = day_range(day)
        o = ORDERS.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ORDERS)
                .where(o.account_id == self.account_id, o.created_at >= lo, o.created_at < hi)
                .order_by(o.order_id)
            ).all()
        return [_order(r) for r in rows]

    def fills_on(self, day: date) -> list[Fill]:
        lo, hi = day_range(day)
        f = FILLS.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(FILLS)
                .where(f.account_id == self.account_id, f.time >= lo, f.time < hi)
                .order_by(f.time, f.fill_id)
            ).all()
        return [_fill(r) for r in rows]

    # --- writes ------------------------------------------------------------------------------

    def apply(self, event: StoreEvent) -> None:
        """Write one event in one transaction (all or nothing)."""
        self.apply_all([(self, event)])

    def apply_all(self, events: list[tuple[SqlPaperStore, StoreEvent]]) -> None:  # type: ignore[override]
        """Write the events of several accounts' stores (one database) in one transaction."""
        with self.engine.connect() as conn:
            txn = conn.begin()
            try:
                plan = _Plan()
                for store, event in events:
                    store._plan(plan, event)
                plan.run(conn)
            except BaseException as err:
                if txn.is_active:
                    with contextlib.suppress(Exception):  # a dropped connection rolls back by itself
                        txn.rollback()
                if isinstance(err, IntegrityError) and "intent" in str(err.orig).lower():
                    raise DuplicateAttachment(str(err.orig)) from None
                if isinstance(err, IntegrityError | DataError):
                    raise WriteRefused(str(err.orig)) from err
                raise
            try:
                txn.commit()
            except Exception as err:  # the server may have committed before the answer was lost
                raise CommitUnknown(f"commit outcome unknown: {err}") from err

    def committed(self, event: StoreEvent) -> bool:
        """Whether ``event`` is stored (by its first fill id, else its first new order id)."""
        key = event_key(event)
        if key is None:
            return False
        col = FILLS.c.fill_id if key[0] == "fill" else ORDERS.c.order_id
        with self.engine.connect() as conn:
            return conn.execute(select(col).where(col == key[1])).first() is not None

    def _plan(self, plan: _Plan, event: StoreEvent) -> None:
        """Add the rows of one event to ``plan`` (written by ``_Plan.run``)."""
        now = naive_kst(event.time)
        plan.new_orders += [_order_row(r, self.account_id) for r in event.orders if r.is_new]
        plan.order_updates += [
            {k: row[k] for k in _ORDER_UPDATE_COLS} | {"b_order_id": row["order_id"]}
            for row in (_order_row(r, self.account_id) for r in event.orders if not r.is_new)
        ]
        intents, audits = _attachment_rows(event, self.account_id, self.fence)
        plan.intents += intents  # the order gateway's journal: the intent commits with its order
        plan.audits += audits
        plan.fills += [fill_row(x, self.account_id) for x in event.fills]
        plan.alerts += _alert_rows(event, self.account_id)  # the outbox commits with what it reports
        plan.new_positions += [_position_row(p, self.account_id, now) for p in event.positions if p.is_new]
        plan.position_updates += [
            _position_row(p, self.account_id, now, "b_") for p in event.positions if not p.is_new
        ]
        accounts = plan.cash.setdefault(self.fence, {})
        accounts[self.account_id] = (self.account_name, event.cash, now)  # a later event replaces it


@dataclass
class _Plan:
    """The rows of several events, written with one statement per table (a batch of orders from several
    accounts costs a handful of round trips, not five per account). The row statements are built once (module
    constants): on the order path their construction cost more than their execution."""

    new_orders: list[dict] = field(default_factory=list)
    intents: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    order_updates: list[dict] = field(default_factory=list)
    fills: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    new_positions: list[dict] = field(default_factory=list)
    position_updates: list[dict] = field(default_factory=list)
    # fence → account id → (name, cash, time) after its last event: the cash column holds a balance, not a change
    cash: dict[tuple[str, int] | None, dict[int, tuple[str, int, datetime]]] = field(default_factory=dict)

    def run(self, conn) -> None:  # noqa: ANN001 - a Connection in a transaction
        """Rows are inserted before any event updates them (in event order), then the accounts' cash is set
        under their fence, in one statement: a stale fence raises, which rolls the whole transaction back."""
        if self.new_orders:
            _insert(conn, ORDERS, _INSERT_ORDERS, self.new_orders)
        if self.intents:
            _insert(conn, INTENTS, _INSERT_INTENTS, self.intents)
            _insert(conn, AUDIT, _INSERT_AUDIT, self.audits)
        if self.order_updates:
            conn.execute(_UPDATE_ORDERS, self.order_updates)
        if self.fills:
            conn.execute(_INSERT_FILLS, self.fills)
        if self.alerts:
            _insert(conn, ALERT_EVENTS, _INSERT_ALERTS, self.alerts)
        if self.new_positions:
            conn.execute(_INSERT_POSITIONS, self.new_positions)
        if self.position_updates:
            conn.execute(_UPDATE_POSITIONS, self.position_updates)
        for fence, accounts in self.cash.items():
            done = conn.execute(_cash_update(fence, accounts))
            if done.rowcount != len(accounts):  # raising rolls everything back: nothing of it is written
                names = ", ".join(name for name, _, _ in accounts.values())
                raise OrderRejected(Reason.NOT_OWNER, f"paper store of {names}: stale fencing token")


def _cash_update(fence: tuple[str, int] | None, accounts: dict[int, tuple[str, int, datetime]]) -> Update:
    """One UPDATE setting each account's cash and time (a CASE on the id), only while ``fence`` is current."""
    stmt = (
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id.in_(list(accounts)))
        .values(
            cash=case({k: cash for k, (_, cash, _) in accounts.items()}, value=ACCOUNTS.c.id),
            updated_at=case({k: at for k, (_, _, at) in accounts.items()}, value=ACCOUNTS.c.id),
        )
    )
    if fence is not None:
        current = select(FENCES.c.fence).where(FENCES.c.scope == fence[0]).scalar_subquery()
        stmt = stmt.where(current == fence[1])
    return stmt


_ORDER_UPDATE_COLS = (
    "price", "qty", "filled_qty", "filled_amount", "status", "queue_ahead", "reserved",
    "reject_code", "reject_message", "updated_at",
)  # fmt: skip
_RAW_SQL: dict[tuple[str, tuple[str, ...]], tuple[str, frozenset[str]]] = {}


def _insert(conn, table, stmt, rows: list[dict]) -> None:  # noqa: ANN001 - Connection, Table, Insert
    """Insert ``rows``: on MariaDB straight through the driver's executemany (one multi-row INSERT; the
    order path spent more time in SQLAlchemy's per-row parameter handling than in the database),
    elsewhere through SQLAlchemy (SQLite's stored time format is SQLAlchemy's)."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        conn.execute(stmt, rows)
        return
    cols = tuple(rows[0])
    key = (table.name, cols)
    hit = _RAW_SQL.get(key)
    if hit is None:
        names = ", ".join(f"`{c}`" for c in cols)
        sql = f"INSERT INTO `{table.name}` ({names}) VALUES ({', '.join(['%s'] * len(cols))})"
        hit = _RAW_SQL[key] = (sql, frozenset(c for c in cols if isinstance(table.c[c].type, JSON)))
    sql, json_cols = hit
    conn.exec_driver_sql(
        sql,
        [
            tuple(json.dumps(r[c]) if c in json_cols and r[c] is not None else r[c] for c in cols)
            for r in rows
        ],
    )


_INSERT_ORDERS = insert(ORDERS)
_INSERT_INTENTS = insert(INTENTS)
_INSERT_AUDIT = insert(AUDIT)
_INSERT_FILLS = insert(FILLS)
_INSERT_POSITIONS = insert(POSITIONS)
_INSERT_ALERTS = insert(ALERT_EVENTS)
_UPDATE_ORDERS = (
    update(ORDERS)
    .where(ORDERS.c.order_id == bindparam("b_order_id"))
    .values({k: bindparam(k) for k in _ORDER_UPDATE_COLS})
)
_UPDATE_POSITIONS = (
    update(POSITIONS)
    .where(POSITIONS.c.account_id == bindparam("b_account_id"), POSITIONS.c.code == bindparam("b_code"))
    .values(
        qty=bindparam("qty"),
        cost=bindparam("cost"),
        realized_pnl=bindparam("realized_pnl"),
        updated_at=bindparam("updated_at"),
    )  # fmt: skip
)


def _order_row(rec: OrderRecord, account_id: int) -> dict:
    o = rec.order
    return dict(
        order_id=o.order_id, account_id=account_id, client_order_id=o.client_order_id, broker_order_id=None,
        code=o.code, side=str(o.side), order_type=str(o.order_type), price=o.price, qty=o.qty,
        filled_qty=o.filled_qty, filled_amount=o.filled_amount, status=str(o.status),
        queue_ahead=rec.queue_ahead, reserved=rec.reserved, reject_code=o.reject_code,
        reject_message=o.reject_message, created_at=naive_kst(o.created_at), updated_at=naive_kst(o.updated_at),
    )  # fmt: skip


def _order(r) -> Order:  # noqa: ANN001 - a Row of ORDERS
    return Order(
        order_id=r.order_id,
        code=r.code,
        side=Side(r.side),
        order_type=OrderType(r.order_type),
        price=int(r.price) if r.price is not None else None,
        qty=int(r.qty),
        filled_qty=int(r.filled_qty),
        filled_amount=int(r.filled_amount),
        status=OrderStatus(r.status),
        client_order_id=r.client_order_id,
        created_at=as_kst(r.created_at),
        updated_at=as_kst(r.updated_at),
        reject_code=r.reject_code,
        reject_message=r.reject_message,
    )


def _fill(r) -> Fill:  # noqa: ANN001 - a Row of FILLS
    return Fill(
        r.fill_id, r.order_id, r.code, Side(r.side), int(r.price), int(r.qty), int(r.commission), int(r.tax),
        as_kst(r.time),
    )  # fmt: skip


def _position_row(
    p: PositionRecord, account_id: int, now: datetime | None, key: str = ""
) -> dict[str, object]:
    """A ``positions`` row (``key`` prefixes the two key columns, as the update's bind names want)."""
    return {f"{key}account_id": account_id, f"{key}code": p.code, "qty": p.qty, "cost": p.cost,
            "realized_pnl": p.realized_pnl, "updated_at": now}  # fmt: skip


def _attachment_rows(event: StoreEvent, account_id: int, fence: tuple[str, int] | None) -> tuple[list, list]:
    """``order_intents`` and ``audit_log`` rows of the journal intents attached to new orders (accepted)."""
    from trading.orders.journal import IntentState, NewIntent

    intents, audits = [], []
    for attach, order in event.attachments:
        if not isinstance(attach, NewIntent):
            continue
        t = naive_kst(attach.created_at)
        intents.append(
            dict(
                account_id=account_id, client_order_id=attach.client_order_id, action=attach.action,
                target_order_id=attach.target_order_id, payload=attach.payload, state=IntentState.ACCEPTED.value,
                order_id=order.order_id, reason=None, message=None, result=None,  # the orders row has it
                fence=fence[1] if fence else None, username=attach.username[:40], entry=attach.entry[:8],
                created_at=t, updated_at=naive_kst(event.time),
            )
        )  # fmt: skip
        audits.append(
            dict(
                time=t, username=attach.username[:40], action=f"order.{attach.action}",
                detail={"account": attach.account, "client_order_id": attach.client_order_id,
                        "entry": attach.entry, **attach.payload},
            )
        )  # fmt: skip
    return intents, audits


def _alert_rows(event: StoreEvent, account_id: int) -> list[dict]:
    """Outbox rows of an event: each new order accepted or rejected, each fill."""
    out = [order_event(r.order, account_id) for r in event.orders if r.is_new]
    out += [fill_event(f, account_id) for f in event.fills]
    return [event_row(e) for e in out if e is not None]
