"""BrokerSyncStore: a KIS/Kiwoom account's orders, fills, positions and cash in the database.

One account row per broker, environment and account number (``accounts.name`` such as
``kis-mock-12345678-01``; see ``workers/broker_sync.account_name``). ``apply`` runs in ONE
transaction: it creates the account when missing, reads what is stored, plans the writes with
``trading.brokers.sync.plan_sync`` and writes them, so a failure leaves the database as it was.
Times are stored naive in KST, like the paper exchange's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from db.repositories.paper import ACCOUNTS, ACTIVE, FILLS, ORDERS, POSITIONS, fill_row
from trading.brokers.sync import (
    BrokerSnapshot,
    FillTotals,
    OrderWrite,
    StoredAccount,
    StoredOrder,
    StoredPosition,
    SyncPlan,
    SyncSummary,
    plan_sync,
    summarize,
)
from trading.domain import KST, Fill, OrderStatus, Side
from trading.timeconv import as_kst, day_range, naive_kst


@dataclass(frozen=True, slots=True)
class SyncedAccount:
    """What the database holds for one synced account (for pages, the CLI and tests)."""

    account_id: int
    name: str
    broker: str
    cash: int
    initial_cash: int
    orders: tuple[StoredOrder, ...]
    fills: tuple[Fill, ...]
    positions: tuple[StoredPosition, ...]


class BrokerSyncStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # --- writes ------------------------------------------------------------------------------

    def apply(self, account: str, broker: str, snapshot: BrokerSnapshot) -> SyncSummary:
        """Make account ``account`` of ``broker`` equal to ``snapshot`` (one transaction)."""
        with self.engine.begin() as conn:
            account_id, cash, created = self._account(conn, account, broker, snapshot)
            stored = self._load(conn, account_id, cash, snapshot.day)
            plan = plan_sync(snapshot, stored)
            if created:
                plan.notes.insert(0, f"account row created ({broker}), cash {cash:,}")
            self._write(conn, plan, snapshot)
        return summarize(account, plan, snapshot.balance.cash)

    def _account(
        self, conn: Connection, name: str, broker: str, snapshot: BrokerSnapshot
    ) -> tuple[int, int, bool]:
        a = ACCOUNTS.c
        row = conn.execute(select(a.id, a.broker, a.cash).where(a.name == name).with_for_update()).first()
        if row is not None:
            if row.broker != broker:
                raise ValueError(f"account {name!r} belongs to broker {row.broker!r}, not {broker!r}")
            return int(row.id), int(row.cash), False
        now = naive_kst(snapshot.taken_at)
        cash = snapshot.balance.cash
        res = conn.execute(
            insert(ACCOUNTS).values(
                name=name, broker=broker, cash=cash, initial_cash=cash, created_at=now, updated_at=now
            )
        )
        return int(res.inserted_primary_key[0]), cash, True

    def _load(self, conn: Connection, account_id: int, cash: int, day: date) -> StoredAccount:
        lo, hi = day_range(day)
        o, f, p = ORDERS.c, FILLS.c, POSITIONS.c
        rows = conn.execute(
            select(ORDERS).where(
                o.account_id == account_id,
                or_(o.status.in_(ACTIVE), and_(o.created_at >= lo, o.created_at < hi)),
            )
        ).all()
        orders = [
            StoredOrder(
                order_id=r.order_id,
                broker_order_id=r.broker_order_id or "",
                day=r.created_at.date(),
                status=OrderStatus(r.status),
                qty=int(r.qty),
                price=int(r.price) if r.price is not None else None,
                filled_qty=int(r.filled_qty),
                filled_amount=int(r.filled_amount),
                client_order_id=r.client_order_id,
            )
            for r in rows
        ]
        totals: dict[str, FillTotals] = {}
        ids = [x.order_id for x in orders]
        if ids:
            for r in conn.execute(
                select(
                    f.order_id,
                    func.sum(f.qty).label("qty"),
                    func.sum(f.price * f.qty).label("amount"),
                    func.sum(f.commission).label("commission"),
                    func.sum(f.tax).label("tax"),
                )
                .where(f.account_id == account_id, f.order_id.in_(ids))
                .group_by(f.order_id)
            ):
                totals[r.order_id] = FillTotals(int(r.qty), int(r.amount), int(r.commission), int(r.tax))
        positions = [
            StoredPosition(r.code, int(r.qty), int(r.cost))
            for r in conn.execute(select(p.code, p.qty, p.cost).where(p.account_id == account_id))
        ]
        return StoredAccount(account_id, cash, orders, totals, positions)

    def _write(self, conn: Connection, plan: SyncPlan, snapshot: BrokerSnapshot) -> None:
        aid = plan.account_id
        now = naive_kst(snapshot.taken_at)
        if plan.new_orders:
            conn.execute(insert(ORDERS), [_new_order(w, aid, snapshot) for w in plan.new_orders])
        for w in plan.changed_orders:
            o = w.order
            values: dict[str, object] = dict(
                status=str(o.status),
                qty=o.qty,
                price=o.price,
                filled_qty=o.filled_qty,
                filled_amount=o.filled_amount,
                updated_at=now,
            )
            if o.client_order_id:
                values["client_order_id"] = o.client_order_id
            if o.reject_code or o.reject_message:
                values |= dict(reject_code=o.reject_code, reject_message=(o.reject_message or "")[:200])
            conn.execute(update(ORDERS).where(ORDERS.c.order_id == w.order_id).values(**values))
        if plan.expired_orders:
            conn.execute(
                update(ORDERS)
                .where(ORDERS.c.order_id.in_(plan.expired_orders))
                .values(status=OrderStatus.CANCELLED.value, updated_at=now)
            )
        if plan.new_fills:
            conn.execute(insert(FILLS), [fill_row(x, aid) for x in plan.new_fills])
        _alert_events(conn, plan)  # the alerts outbox: new orders and fills, with the sync that stores them
        p = POSITIONS.c
        for pos, is_new in plan.upsert_positions:
            if is_new:
                conn.execute(
                    insert(POSITIONS).values(
                        account_id=aid,
                        code=pos.code,
                        qty=pos.qty,
                        cost=pos.cost,
                        realized_pnl=0,
                        updated_at=now,
                    )
                )
            else:
                conn.execute(
                    update(POSITIONS)
                    .where(p.account_id == aid, p.code == pos.code)
                    .values(qty=pos.qty, cost=pos.cost, updated_at=now)
                )
        if plan.removed_positions:
            conn.execute(delete(POSITIONS).where(p.account_id == aid, p.code.in_(plan.removed_positions)))
        if plan.cash is not None:
            conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == aid).values(cash=plan.cash, updated_at=now))

    # --- reads -------------------------------------------------------------------------------

    def load(self, name: str) -> SyncedAccount | None:
        """Everything stored for account ``name`` (orders by id, fills by time), or None."""
        a, o, f, p = ACCOUNTS.c, ORDERS.c, FILLS.c, POSITIONS.c
        with self.engine.connect() as conn:
            acc = conn.execute(select(ACCOUNTS).where(a.name == name)).first()
            if acc is None:
                return None
            orders = conn.execute(select(ORDERS).where(o.account_id == acc.id).order_by(o.order_id)).all()
            fills = conn.execute(
                select(FILLS).where(f.account_id == acc.id).order_by(f.time, f.fill_id)
            ).all()
            positions = conn.execute(
                select(p.code, p.qty, p.cost).where(p.account_id == acc.id).order_by(p.code)
            ).all()
        return SyncedAccount(
            account_id=int(acc.id),
            name=acc.name,
            broker=acc.broker,
            cash=int(acc.cash),
            initial_cash=int(acc.initial_cash),
            orders=tuple(
                StoredOrder(
                    r.order_id,
                    r.broker_order_id or "",
                    r.created_at.date(),
                    OrderStatus(r.status),
                    int(r.qty),
                    int(r.price) if r.price is not None else None,
                    int(r.filled_qty),
                    int(r.filled_amount),
                    r.client_order_id,
                )
                for r in orders
            ),
            fills=tuple(
                Fill(
                    r.fill_id,
                    r.order_id,
                    r.code,
                    Side(r.side),
                    int(r.price),
                    int(r.qty),
                    int(r.commission),
                    int(r.tax),
                    as_kst(r.time),
                )  # fmt: skip
                for r in fills
            ),
            positions=tuple(StoredPosition(r.code, int(r.qty), int(r.cost)) for r in positions),
        )


def _new_order(w: OrderWrite, account_id: int, snapshot: BrokerSnapshot) -> dict[str, object]:
    o = w.order
    created = o.created_at if o.created_at and o.created_at.astimezone(KST).date() == snapshot.day else None
    return dict(
        order_id=w.order_id,
        account_id=account_id,
        client_order_id=o.client_order_id,
        broker_order_id=w.broker_order_id,
        code=o.code,
        side=str(o.side),
        order_type=str(o.order_type),
        price=o.price,
        qty=o.qty,
        filled_qty=o.filled_qty,
        filled_amount=o.filled_amount,
        status=str(o.status),
        queue_ahead=0,
        reserved=0,
        reject_code=o.reject_code,
        reject_message=(o.reject_message or "")[:200] or None,
        created_at=naive_kst(created or snapshot.taken_at),
        updated_at=naive_kst(snapshot.taken_at),
    )


def _alert_events(conn: Connection, plan: SyncPlan) -> None:
    from db.repositories.alerts import write_events_once
    from trading.alerts.events import fill_event, order_event

    events = [order_event(w.order, plan.account_id) for w in plan.new_orders]
    events += [fill_event(f, plan.account_id) for f in plan.new_fills]
    write_events_once(conn, [e for e in events if e is not None])
