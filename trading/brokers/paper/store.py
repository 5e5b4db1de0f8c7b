"""Persistence boundary of the paper exchange: what it loads at start and writes per event.

The exchange calls ``apply`` with the complete effect of one event (an order placed, modified or
cancelled, or one market step's fills) BEFORE acknowledging it; a store must write it atomically
(one transaction) or raise and write nothing — except ``CommitUnknown``: the commit itself failed, so
the event may or may not be stored (the exchange then keeps it in its journal, see ``journal.py``).
``SqlPaperStore`` (db/repositories/paper.py) is the database implementation; ``MemoryStore`` keeps
everything in process (tests, benchmarks).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from trading.domain import Fill, Order


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as stored: the domain order plus the paper exchange's matching state.

    The ``order`` object is never mutated after it is handed to a store (the exchange replaces it).
    """

    order: Order
    queue_ahead: int = 0  # simulated shares in front of it at its price
    reserved: int = 0  # cash held for an open buy (price × remaining + commission)
    is_new: bool = False  # insert (True) or update (False)


@dataclass(frozen=True, slots=True)
class PositionRecord:
    code: str
    qty: int
    cost: int  # purchase amount of the shares held (average-cost method)
    realized_pnl: int = 0  # sum over sells of (sell amount − cost removed), before fees
    is_new: bool = False


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """Everything one event changed. ``cash`` is the account's new cash balance."""

    time: datetime
    cash: int
    orders: tuple[OrderRecord, ...] = ()
    fills: tuple[Fill, ...] = ()
    positions: tuple[PositionRecord, ...] = ()
    # What the caller asked to be written with new orders, in the same transaction: (attachment, order).
    # The SQL store writes the order gateway's journal intents this way.
    attachments: tuple[tuple[object, Order], ...] = ()


class DuplicateAttachment(Exception):
    """An attachment clashed with one already stored (the order gateway's client id): nothing written."""


class CommitUnknown(Exception):
    """The write reached its commit and the commit failed (e.g. the connection dropped): the event may be
    stored or not. Replaying it is safe (``PaperStore.committed`` tells which)."""


class WriteRefused(ValueError):
    """The store refuses the event for good (a constraint or a bad value): retrying cannot help."""


@dataclass(slots=True)
class AccountState:
    """What the exchange needs to resume: the result of ``PaperStore.load``."""

    cash: int
    initial_cash: int
    orders: list[OrderRecord] = field(default_factory=list)  # active orders + orders created on ``day``
    fills: list[Fill] = field(default_factory=list)  # fills on ``day`` + fills of active orders
    positions: list[PositionRecord] = field(default_factory=list)  # every row, qty 0 included
    next_seq: int = 1  # next order-id counter (never reused)


class PaperStore(Protocol):
    def load(self, day: date) -> AccountState: ...
    def apply(self, event: StoreEvent) -> None: ...
    def apply_all(self, events: list[tuple[PaperStore, StoreEvent]]) -> None:
        """Write events of several stores of the same kind (one database) in one transaction."""

    def committed(self, event: StoreEvent) -> bool:
        """Whether ``event`` is stored already, judged by its keys (a fill id, else a new order id);
        False for an event without keys (its values are absolute: writing it again changes nothing)."""

    def orders_on(self, day: date) -> list[Order]: ...
    def fills_on(self, day: date) -> list[Fill]: ...


def event_key(event: StoreEvent) -> tuple[str, str] | None:
    """("fill", fill id) or ("order", new order id) that tells whether ``event`` was stored."""
    if event.fills:
        return ("fill", event.fills[0].fill_id)
    for rec in event.orders:
        if rec.is_new:
            return ("order", rec.order.order_id)
    return None


class MemoryStore:
    """An in-process store with the same semantics as the SQL one."""

    def __init__(self, initial_cash: int = 100_000_000):
        self.initial_cash = initial_cash
        self.cash = initial_cash
        self.orders: dict[str, OrderRecord] = {}
        self.fills: list[Fill] = []
        self.positions: dict[str, PositionRecord] = {}
        self.max_seq = 0
        self.attachments: list[tuple[object, Order]] = []
        self.fail_next = False  # tests: make the next apply raise (nothing written)
        self.unknown_next = False  # tests: make the next apply write, then raise CommitUnknown

    def load(self, day: date) -> AccountState:
        orders = [
            dataclasses.replace(r, is_new=False)
            for r in self.orders.values()
            if r.order.status.is_active or _day(r.order.created_at) == day
        ]
        active = {r.order.order_id for r in orders if r.order.status.is_active}
        fills = [f for f in self.fills if _day(f.time) == day or f.order_id in active]
        positions = [dataclasses.replace(p, is_new=False) for p in self.positions.values()]
        return AccountState(self.cash, self.initial_cash, orders, fills, positions, self.max_seq + 1)

    def apply_all(self, events: list[tuple[PaperStore, StoreEvent]]) -> None:
        for store, event in events:  # memory stores: each its own (tests, benchmarks)
            store.apply(event)

    def apply(self, event: StoreEvent) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("simulated store failure")
        self._write(event)
        if self.unknown_next:
            self.unknown_next = False
            raise CommitUnknown("simulated lost commit acknowledgement")

    def committed(self, event: StoreEvent) -> bool:
        key = event_key(event)
        if key is None:
            return False
        if key[0] == "fill":
            return any(f.fill_id == key[1] for f in self.fills)
        return key[1] in self.orders

    def _write(self, event: StoreEvent) -> None:
        for rec in event.orders:
            o = rec.order
            if rec.is_new and o.order_id in self.orders:
                raise WriteRefused(f"duplicate order id {o.order_id}")
            self.orders[o.order_id] = rec
            if rec.is_new:
                self.max_seq = max(self.max_seq, seq_of(o.order_id))
        self.fills.extend(event.fills)
        self.attachments.extend(event.attachments)
        for p in event.positions:
            self.positions[p.code] = p
        self.cash = event.cash

    def orders_on(self, day: date) -> list[Order]:
        return [r.order for r in self.orders.values() if _day(r.order.created_at) == day]

    def fills_on(self, day: date) -> list[Fill]:
        return [f for f in self.fills if _day(f.time) == day]


def _day(t: datetime | None) -> date | None:
    return t.date() if t is not None else None


# Order ids: "P" + the session date + a 16-digit counter, never given back and never reset, so ids sort
# by time within a day and cannot collide. A market owner starts its counter at ``epoch * EPOCH_SPAN``
# (``epoch``: its fencing token, a database counter taken before it writes anything), so no write whose
# outcome was lost, nor a restart, can make two orders share an id; without an epoch the counter resumes
# after the store's largest id.
ORDER_ID_PREFIX = "P"
SEQ_DIGITS = 16
SEQ_OFFSET = 9  # len("P20261123")
EPOCH_SPAN = 10**10  # ids per epoch


def first_seq(epoch: int) -> int:
    """The first order counter of market epoch ``epoch`` (0: no epoch)."""
    return epoch * EPOCH_SPAN + 1


def make_order_id(day: date, seq: int) -> str:
    return _prefix(day) + str(seq).zfill(SEQ_DIGITS)


@functools.lru_cache(maxsize=64)
def _prefix(day: date) -> str:
    return f"{ORDER_ID_PREFIX}{day:%Y%m%d}"


def seq_of(order_id: str) -> int:
    tail = order_id[SEQ_OFFSET:]
    return int(tail) if order_id.startswith(ORDER_ID_PREFIX) and tail.isdigit() else 0
