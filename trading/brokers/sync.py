"""Broker sync: make the database's copy of a KIS/Kiwoom account equal to the broker (pure logic).

The broker is the truth. ``fetch_snapshot`` reads it (today's orders and fills, the balance) and
raises the broker's typed errors before anything is written; ``plan_sync`` compares the snapshot
with what the database holds and returns the writes that make them equal, plus a note for every
difference. Planning the same snapshot against its own result plans nothing: the sync is idempotent.

* Orders are matched by the broker's order number within the day (KIS and Kiwoom number orders per
  day). Database ids are ``B<account>-<yyyymmdd>-<broker number>``, so they never collide with the
  paper exchange's ``P…`` ids or across accounts and days.
* Open orders are today's orders whose status is active: KRX orders are day orders, so an order the
  database still holds as active from an earlier day has expired and is marked cancelled.
* Fills: both adapters' daily inquiries report one cumulative fill per order (total shares, average
  price, fees so far), not each execution. The database keeps a ledger, so each sync records the
  increase since the stored total as one fill: qty = broker total − stored total, price = amount added
  / qty rounded to the won (the next increase absorbs the rounding), commission and tax the increase
  too. Its id is the order id plus the cumulative quantity, so a re-run never writes it twice. Its time
  is the sync time: the inquiries carry no execution times.
* Positions are replaced by the broker's (quantity and purchase amount); cash is the deposit (예수금).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from trading.brokers.base import Broker
from trading.domain import KST, Balance, Fill, Order, OrderStatus

ID_LEN = 32  # orders.order_id / fills.fill_id column width
ORDER_ID_PREFIX = "B"


def _fit(text: str) -> str:
    """``text`` if it fits the id columns, else a stable hash of it."""
    if len(text) <= ID_LEN:
        return text
    return "H" + hashlib.sha1(text.encode()).hexdigest()[: ID_LEN - 1]


def db_order_id(account_id: int, day: date, broker_order_id: str) -> str:
    """The database id of broker order ``broker_order_id`` placed on ``day``."""
    return _fit(f"{ORDER_ID_PREFIX}{account_id}-{day:%Y%m%d}-{broker_order_id}")


def db_fill_id(order_id: str, cumulative_qty: int) -> str:
    """The id of the fill that brought order ``order_id`` to ``cumulative_qty`` filled shares."""
    return _fit(f"{order_id}/{cumulative_qty}")


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokerSnapshot:
    """What the broker said, read in one go (orders first, then fills, then the balance)."""

    day: date
    taken_at: datetime  # KST-aware
    orders: tuple[Order, ...]
    fills: tuple[Fill, ...]
    balance: Balance


def fetch_snapshot(broker: Broker, now: datetime | None = None) -> BrokerSnapshot:
    """Read today's orders, fills and the balance; broker errors propagate (nothing is half-read).

    Open orders are not fetched separately: both adapters derive ``open_orders()`` from the same
    daily inquiry as ``orders()``, so it would only repeat a rate-limited call.
    """
    now = (now or datetime.now(KST)).astimezone(KST)
    day = now.date()
    orders = tuple(broker.orders(day))
    fills = tuple(broker.fills(day))
    balance = broker.balance()
    return BrokerSnapshot(day, now, orders, fills, balance)


@dataclass(frozen=True, slots=True)
class StoredOrder:
    order_id: str  # database id
    broker_order_id: str
    day: date  # the KST day it was placed
    status: OrderStatus
    qty: int
    price: int | None
    filled_qty: int
    filled_amount: int
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class FillTotals:
    """Sum of the stored fills of one order."""

    qty: int = 0
    amount: int = 0  # Σ price × qty
    commission: int = 0
    tax: int = 0


@dataclass(frozen=True, slots=True)
class StoredPosition:
    code: str
    qty: int
    cost: int


@dataclass(slots=True)
class StoredAccount:
    """The database's view of one broker account: today's orders, active orders of any day,
    the fill totals of those orders, the positions and the cash."""

    account_id: int
    cash: int
    orders: list[StoredOrder] = field(default_factory=list)
    fill_totals: dict[str, FillTotals] = field(default_factory=dict)  # by database order id
    positions: list[StoredPosition] = field(default_factory=list)


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderWrite:
    """An order row to insert (``is_new``) or update, in the broker's terms."""

    order_id: str
    broker_order_id: str
    order: Order
    is_new: bool


@dataclass(slots=True)
class SyncPlan:
    account_id: int
    new_orders: list[OrderWrite] = field(default_factory=list)
    changed_orders: list[OrderWrite] = field(default_factory=list)
    expired_orders: list[str] = field(default_factory=list)  # database ids to mark cancelled
    new_fills: list[Fill] = field(default_factory=list)  # ids and order ids are database ids
    upsert_positions: list[tuple[StoredPosition, bool]] = field(default_factory=list)  # (position, is_new)
    removed_positions: list[str] = field(default_factory=list)  # codes
    cash: int | None = None  # the new cash when it changed
    positions_held: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.new_orders
            or self.changed_orders
            or self.expired_orders
            or self.new_fills
            or self.upsert_positions
            or self.removed_positions
            or self.cash is not None
        )


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What one sync did; ``status()`` is the job's one-line report."""

    account: str
    new_orders: int
    changed_orders: int
    expired_orders: int
    new_fills: int
    positions: int  # held after the sync
    positions_changed: int
    cash: int
    cash_changed: bool
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.new_orders
            or self.changed_orders
            or self.expired_orders
            or self.new_fills
            or self.positions_changed
            or self.cash_changed
        )

    def status(self, label: str | None = None) -> str:
        """One line; ``label`` replaces the account name (e.g. masked for logs)."""
        name = label or self.account
        if not self.changed:
            return f"{name}: in sync ({self.positions} positions, cash {self.cash:,})"
        return (
            f"{name}: orders +{self.new_orders} ~{self.changed_orders}"
            f"{f' expired {self.expired_orders}' if self.expired_orders else ''}, fills +{self.new_fills}, "
            f"positions {self.positions} ({self.positions_changed} changed), cash {self.cash:,}"
            f"{' (changed)' if self.cash_changed else ''}"
        )


def summarize(account: str, plan: SyncPlan, cash: int) -> SyncSummary:
    return SyncSummary(
        account=account,
        new_orders=len(plan.new_orders),
        changed_orders=len(plan.changed_orders),
        expired_orders=len(plan.expired_orders),
        new_fills=len(plan.new_fills),
        positions=plan.positions_held,
        positions_changed=len(plan.upsert_positions) + len(plan.removed_positions),
        cash=cash,
        cash_changed=plan.cash is not None,
        notes=tuple(plan.notes),
    )


# --- planning -----------------------------------------------------------------------------------


def _order_key(o: Order | StoredOrder) -> tuple:
    return (o.status, o.qty, o.price, o.filled_qty, o.filled_amount)


def _round_div(a: int, b: int) -> int:
    """a / b rounded half up, integers only (b > 0)."""
    return (2 * a + b) // (2 * b)


def _broker_totals(fills: Iterable[Fill], orders: dict[str, Order]) -> dict[str, FillTotals]:
    """Cumulative fill totals per broker order id (sums when an adapter reports several executions)."""
    grouped: dict[str, list[Fill]] = {}
    for f in fills:
        grouped.setdefault(f.order_id, []).append(f)
    totals = {}
    for oid, rows in grouped.items():
        qty = sum(f.qty for f in rows)
        order = orders.get(oid)
        if order is not None and order.filled_qty == qty and order.filled_amount > 0:
            amount = order.filled_amount  # exact (KIS tot_ccld_amt) where the fill price is an average
        else:
            amount = sum(f.price * f.qty for f in rows)
        totals[oid] = FillTotals(qty, amount, sum(f.commission for f in rows), sum(f.tax for f in rows))
    return totals


def plan_sync(snapshot: BrokerSnapshot, stored: StoredAccount) -> SyncPlan:
    """The writes that make ``stored`` equal to ``snapshot``, with a note per difference."""
    plan = SyncPlan(stored.account_id)
    aid, day, now = stored.account_id, snapshot.day, snapshot.taken_at
    today = {o.broker_order_id: o for o in stored.orders if o.day == day}

    # Orders: today's, by broker order number.
    db_ids: dict[str, str] = {}
    for o in snapshot.orders:
        old = today.get(o.order_id)
        oid = old.order_id if old else db_order_id(aid, day, o.order_id)
        db_ids[o.order_id] = oid
        if old is None:
            plan.new_orders.append(OrderWrite(oid, o.order_id, o, True))
            plan.notes.append(
                f"order {o.order_id} {o.side} {o.code} {o.filled_qty}/{o.qty} {o.status}: new in the database"
            )
            continue
        if _order_key(old) == _order_key(o):
            continue
        plan.changed_orders.append(OrderWrite(oid, o.order_id, o, False))
        what = f"{old.status} {old.filled_qty}/{old.qty}"
        now_is = f"{o.status} {o.filled_qty}/{o.qty}"
        if old.status.is_active and not o.status.is_active:
            plan.notes.append(f"order {o.order_id}: the database had it {what}, the broker says {now_is}")
        else:
            plan.notes.append(f"order {o.order_id}: {what} -> {now_is}")

    # Active orders the broker no longer lists.
    seen = {o.order_id for o in snapshot.orders}
    for old in stored.orders:
        if not old.status.is_active:
            continue
        if old.day < day:
            plan.expired_orders.append(old.order_id)
            plan.notes.append(
                f"order {old.broker_order_id} of {old.day}: still {old.status} in the database; "
                "KRX day orders end with their session, marked cancelled"
            )
        elif old.day == day and old.broker_order_id not in seen:
            plan.notes.append(
                f"order {old.broker_order_id}: {old.status} in the database but not in the broker's "
                "orders of today; left as is"
            )

    # Fills: record each order's increase since the stored total.
    by_broker_id = {o.order_id: o for o in snapshot.orders}
    for boid, total in sorted(_broker_totals(snapshot.fills, by_broker_id).items()):
        oid = db_ids.get(boid)
        if oid is None:
            plan.notes.append(f"fill of order {boid}: the order is not in today's orders yet; next sync")
            continue
        have = stored.fill_totals.get(oid, FillTotals())
        dq = total.qty - have.qty
        if dq < 0:
            plan.notes.append(
                f"order {boid}: the broker reports {total.qty} filled shares, the database {have.qty}; kept"
            )
            continue
        if dq == 0:
            continue
        order = by_broker_id[boid]
        added = total.amount - have.amount
        if added <= 0:
            plan.notes.append(f"order {boid}: {dq} more shares filled but no amount reported; not recorded")
            continue
        price = _round_div(added, dq)
        plan.new_fills.append(
            Fill(
                fill_id=db_fill_id(oid, total.qty),
                order_id=oid,
                code=order.code,
                side=order.side,
                price=price,
                qty=dq,
                commission=max(total.commission - have.commission, 0),
                tax=max(total.tax - have.tax, 0),
                time=now,
            )
        )
        plan.notes.append(f"order {boid}: +{dq} shares filled at {price:,} (total {total.qty})")

    # Positions: the broker's replace the stored ones.
    theirs: dict[str, tuple[int, int]] = {}
    for p in snapshot.balance.positions:
        qty, cost = theirs.get(p.code, (0, 0))
        theirs[p.code] = (qty + p.qty, cost + p.cost)
    ours = {p.code: p for p in stored.positions}
    for code, (qty, cost) in sorted(theirs.items()):
        old_p = ours.get(code)
        if old_p is not None and (old_p.qty, old_p.cost) == (qty, cost):
            continue
        plan.upsert_positions.append((StoredPosition(code, qty, cost), old_p is None))
        was = f"{old_p.qty} shares, cost {old_p.cost:,}" if old_p else "none"
        plan.notes.append(f"position {code}: {was} -> {qty} shares, cost {cost:,}")
    for code in sorted(set(ours) - set(theirs)):
        plan.removed_positions.append(code)
        plan.notes.append(f"position {code}: {ours[code].qty} shares in the database, none at the broker")
    plan.positions_held = len(theirs)

    if stored.cash != snapshot.balance.cash:
        plan.cash = snapshot.balance.cash
        plan.notes.append(f"cash {stored.cash:,} -> {snapshot.balance.cash:,}")
    return plan
