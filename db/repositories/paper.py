"""SqlPaperStore: the paper exchange's PaperStore on the accounts/orders/fills/positions tables.

Times are stored naive in KST (DATETIME(3) on MariaDB: the exchange already rounds to milliseconds).
Every ``apply`` is one transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, and_, bindparam, func, insert, or_, select, update

from db.models import Account, FillRow, OrderRow, PositionRow
from trading.brokers.paper.store import (
    ORDER_ID_PREFIX,
    SEQ_OFFSET,
    AccountState,
    OrderRecord,
    PositionRecord,
    StoreEvent,
)
from trading.domain import KST, Fill, Order, OrderStatus, OrderType, Side

ACCOUNTS, ORDERS, FILLS, POSITIONS = (m.__table__ for m in (Account, OrderRow, FillRow, PositionRow))
ACTIVE = (OrderStatus.OPEN.value, OrderStatus.PARTIAL.value)


def db_time(t: datetime | None) -> datetime | None:
    """A KST-aware time as the naive KST value the tables store."""
    return None if t is None else t.astimezone(KST).replace(tzinfo=None)


def _py(t: datetime | None) -> datetime | None:
    return None if t is None else t.replace(tzinfo=KST)


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def fill_row(f: Fill, account_id: int) -> dict[str, object]:
    """The ``fills`` row of one execution (times naive KST)."""
    return dict(
        fill_id=f.fill_id, order_id=f.order_id, account_id=account_id, code=f.code, side=str(f.side),
        price=f.price, qty=f.qty, commission=f.commission, tax=f.tax, time=db_time(f.time),
    )  # fmt: skip


class SqlPaperStore:
    """PaperStore for one account (created on first use with ``initial_cash``)."""

    def __init__(self, engine: Engine, account_name: str = "paper", initial_cash: int = 100_000_000):
        self.engine = engine
        self.account_name = account_name
        with engine.begin() as conn:
            row = conn.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.name == account_name)).first()
            if row is None:
                now = datetime.now(KST).replace(tzinfo=None)
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
        lo, hi = _day_range(day)
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
            top = conn.execute(
                select(func.max(func.substr(o.order_id, SEQ_OFFSET + 1))).where(
                    o.order_id.like(ORDER_ID_PREFIX + "%")
                )
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

    def find_client_order(self, client_order_id: str) -> OrderRecord | None:
        o = ORDERS.c
        with self.engine.connect() as conn:
            r = conn.execute(
                select(ORDERS).where(o.account_id == self.account_id, o.client_order_id == client_order_id)
            ).first()
        return OrderRecord(_order(r), int(r.queue_ahead or 0), int(r.reserved or 0)) if r else None

    def orders_on(self, day: date) -> list[Order]:
        lo, hi = _day_range(day)
        o = ORDERS.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ORDERS)
                .where(o.account_id == self.account_id, o.created_at >= lo, o.created_at < hi)
                .order_by(o.order_id)
            ).all()
        return [_order(r) for r in rows]

    def fills_on(self, day: date) -> list[Fill]:
        lo, hi = _day_range(day)
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
        now = db_time(event.time)
        new_orders = [_order_row(r, self.account_id) for r in event.orders if r.is_new]
        upd_orders = [_order_row(r, self.account_id) for r in event.orders if not r.is_new]
        with self.engine.begin() as conn:
            if new_orders:
                conn.execute(insert(ORDERS), new_orders)
            if upd_orders:
                for row in upd_orders:
                    row["b_order_id"] = row["order_id"]
                conn.execute(
                    update(ORDERS)
                    .where(ORDERS.c.order_id == bindparam("b_order_id"))
                    .values({k: bindparam(k) for k in _ORDER_UPDATE_COLS}),
                    [{k: r[k] for k in (*_ORDER_UPDATE_COLS, "b_order_id")} for r in upd_orders],
                )
            if event.fills:
                conn.execute(insert(FILLS), [fill_row(x, self.account_id) for x in event.fills])
            new_pos = [p for p in event.positions if p.is_new]
            old_pos = [p for p in event.positions if not p.is_new]
            if new_pos:
                conn.execute(
                    insert(POSITIONS),
                    [
                        dict(
                            account_id=self.account_id,
                            code=p.code,
                            qty=p.qty,
                            cost=p.cost,
                            realized_pnl=p.realized_pnl,
                            updated_at=now,
                        )  # fmt: skip
                        for p in new_pos
                    ],
                )
            if old_pos:
                conn.execute(
                    update(POSITIONS)
                    .where(POSITIONS.c.account_id == self.account_id, POSITIONS.c.code == bindparam("b_code"))
                    .values(
                        qty=bindparam("qty"),
                        cost=bindparam("cost"),
                        realized_pnl=bindparam("realized_pnl"),
                        updated_at=bindparam("updated_at"),
                    ),  # fmt: skip
                    [
                        dict(
                            b_code=p.code, qty=p.qty, cost=p.cost, realized_pnl=p.realized_pnl, updated_at=now
                        )
                        for p in old_pos
                    ],
                )
            conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.id == self.account_id)
                .values(cash=event.cash, updated_at=now)
            )


_ORDER_UPDATE_COLS = (
    "price", "qty", "filled_qty", "filled_amount", "status", "queue_ahead", "reserved",
    "reject_code", "reject_message", "updated_at",
)  # fmt: skip


def _order_row(rec: OrderRecord, account_id: int) -> dict:
    o = rec.order
    return dict(
        order_id=o.order_id, account_id=account_id, client_order_id=o.client_order_id, broker_order_id=None,
        code=o.code, side=str(o.side), order_type=str(o.order_type), price=o.price, qty=o.qty,
        filled_qty=o.filled_qty, filled_amount=o.filled_amount, status=str(o.status),
        queue_ahead=rec.queue_ahead, reserved=rec.reserved, reject_code=o.reject_code,
        reject_message=o.reject_message, created_at=db_time(o.created_at), updated_at=db_time(o.updated_at),
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
        created_at=_py(r.created_at),
        updated_at=_py(r.updated_at),
        reject_code=r.reject_code,
        reject_message=r.reject_message,
    )


def _fill(r) -> Fill:  # noqa: ANN001 - a Row of FILLS
    return Fill(
        r.fill_id, r.order_id, r.code, Side(r.side), int(r.price), int(r.qty), int(r.commission), int(r.tax),
        _py(r.time),
    )  # fmt: skip
