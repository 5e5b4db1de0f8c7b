"""The paper matching engine: user orders against the simulated book and trade flow.

Rules (documented because they are a model, not KRX itself):

* Limit orders rest and fill only when the market trades through their price, behind the queue
  displayed at that price when they were placed (price-time priority): a trade AT the price first
  consumes ``queue_ahead``, the rest fills the order; a trade strictly through the price fills the
  whole remainder at the order's own price.
* In continuous trading a marketable limit order or a market order walks the displayed book at
  once (partial fills possible). A limit remainder rests; a market order's remainder is cancelled
  (market orders do not rest beyond the displayed book in this model). Displayed liquidity taken by
  the user is not offered again until the stock's book changes (the next market step).
* In the auction phases orders do not walk the book: they rest (market orders too) and fill at the
  single auction price when the opening/closing print crosses them.
* Modify: a price change or a quantity increase loses time priority (new ``queue_ahead``); a
  quantity decrease keeps it. ``qty`` is the new total quantity (filled shares included).
* Cash: an open buy reserves price × remaining + commission (market buys at the upper limit);
  ``orderable = cash − reserved``. Sells check shares held − shares reserved by open sells.
* Positions use the average-cost method in exact integers: selling q of Q shares with cost C
  removes ``C·q // Q`` (floored; the remainder stays with the shares still held and the last
  share sold carries it), and ``realized_pnl += amount − removed`` (before fees). Hence
  ``cash + Σcost − Σrealized + Σ(commission + tax) == initial cash`` exactly.
* Orders are day orders: ``roll_day`` cancels what is still open from earlier sessions.
* Every change goes to the store in one transaction before it is applied in memory and
  acknowledged; a rejection (OrderRejected) changes nothing. With the market's fill journal
  (``fill_journal.py``) a market event (a step's fills, a day roll) the store cannot take now, and any
  event whose commit outcome was lost, is journaled (durably) and applied all the same; memory stays
  the truth until the journal is written. Order ids are never given back (see ``store.py``).
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from fractions import Fraction
from typing import Protocol

import numpy as np

from trading.brokers.errors import BrokerUnavailable, MarketClosed, OrderRejected, Reason
from trading.brokers.paper.fill_journal import DirectWriter, FillJournal
from trading.brokers.paper.store import (
    DuplicateAttachment,
    OrderRecord,
    PaperStore,
    PositionRecord,
    StoreEvent,
    make_order_id,
)
from trading.domain import (
    Balance,
    Fill,
    Market,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
    is_valid_code,
)
from trading.krx import COMMISSION_RATES, Phase, sell_tax_rates, tick_table

log = logging.getLogger(__name__)
OPEN_PHASES = frozenset({Phase.PRE_OPEN_AUCTION, Phase.CONTINUOUS, Phase.CLOSING_AUCTION})
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
ACTIVE = (OrderStatus.OPEN, OrderStatus.PARTIAL)


class MarketView(Protocol):
    """What the exchange needs from the market (the MarketSimulator implements it)."""

    index: dict[str, int]  # code → index used in tick batches

    def has(self, code: str) -> bool: ...
    def market(self, code: str) -> Market: ...
    def limits(self, code: str) -> tuple[int, int]: ...  # (upper, lower)
    def order_book(self, code: str) -> OrderBook: ...
    def last_price(self, code: str) -> int: ...


class ClockView(Protocol):
    def now(self) -> datetime: ...
    def session_date(self) -> date: ...
    def phase(self) -> Phase: ...


@dataclasses.dataclass(slots=True)
class _Live:
    """An order plus its matching state. ``order`` is replaced, never mutated, once committed."""

    order: Order
    queue_ahead: int
    reserved: int
    prio: int


@dataclasses.dataclass(slots=True)
class _Pos:
    qty: int
    cost: int
    realized: int


@dataclasses.dataclass(slots=True)
class _Pending:
    """One place_order call waiting to be combined into a batch."""

    req: OrderRequest
    attach: object | None = None
    done: bool = False
    order: Order | None = None
    error: Exception | None = None
    fills: list[Fill] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class _Prepared:
    """A batch checked and matched, waiting for its write (see ``place_many``)."""

    exchange: PaperExchange
    batch: list[_Pending]
    txn: _Txn
    placed: list[tuple[_Pending, str]] = dataclasses.field(default_factory=list)
    twins: list[tuple[_Pending, str]] = dataclasses.field(default_factory=list)
    event: StoreEvent | None = None


def write_events(events: list[tuple[PaperExchange, StoreEvent]], defer: bool = False) -> bool:
    """Write every event in one transaction (exchanges of one market: one database, one writer). True:
    stored; False: waiting in the market's fill journal (durable) — apply it all the same. ``defer``: a
    market event, journaled when the store cannot take it now; an order's event is refused instead
    (``BrokerUnavailable``). The store's own refusals are raised as they are."""
    writer = events[0][0].writer
    try:
        return writer.commit([(ex.account, ex.store, ev) for ex, ev in events], defer)
    except (OrderRejected, DuplicateAttachment):
        raise
    except Exception as err:
        raise BrokerUnavailable(f"paper store write failed: {err}") from err


def place_many(items: list[tuple[PaperExchange, OrderRequest, object | None]]) -> list[Order | Exception]:
    """Place orders of several accounts (exchanges of one market and database) in ONE transaction.

    Each exchange's lock is taken in account order (no deadlock with another batch, and the market's
    steps take one exchange lock at a time); each batch is checked as ``place_order`` checks it.
    """
    groups: dict[PaperExchange, list[_Pending]] = {}
    slots = []
    for ex, req, attach in items:
        slot = _Pending(req, attach)
        groups.setdefault(ex, []).append(slot)
        slots.append((ex, slot))
    exchanges = sorted(groups, key=lambda e: str(e.account))
    with contextlib.ExitStack() as stack:
        for ex in exchanges:
            stack.enter_context(ex.lock)
        preps = [ex._prepare(groups[ex]) for ex in exchanges]
        events = [(p.exchange, p.event) for p in preps if p.event is not None]
        error: Exception | None = None
        if events:
            try:
                write_events(events)
            except Exception as err:  # noqa: BLE001 - handed to each batch's callers
                error = err
        if isinstance(error, DuplicateAttachment) and len(events) > 1:
            for p in reversed(preps):  # one clash fails the shared transaction: each account on its own
                p.exchange._release_prio(len(p.placed))
                for sl, _oid in p.placed + p.twins:
                    sl.done = False
                p.exchange._place_batch([sl for sl, _ in p.placed + p.twins])
        else:
            for p in preps:
                p.exchange._settle(p, error)
    for ex in exchanges:
        fills = [f for sl in groups[ex] for f in sl.fills]
        if fills:
            ex._publish(fills)
    return [sl.error if sl.error is not None else sl.order for _, sl in slots]  # type: ignore[misc]


class _Txn:
    """Changes of one event, applied to the exchange only after the store wrote them."""

    __slots__ = ("cash", "orders", "positions", "fills", "taken", "nfills")

    def __init__(self, cash: int):
        self.cash = cash
        self.orders: dict[str, _Live] = {}
        self.positions: dict[str, _Pos] = {}
        self.fills: list[Fill] = []
        self.taken: dict[tuple[str, str, int], int] = {}
        self.nfills: dict[str, int] = {}


def _is_int(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _copy(o: Order) -> Order:
    """A fresh copy of an order (what callers receive; much faster than dataclasses.replace)."""
    return Order(
        o.order_id, o.code, o.side, o.order_type, o.price, o.qty, o.filled_qty, o.filled_amount, o.status,
        o.client_order_id, o.created_at, o.updated_at, o.reject_code, o.reject_message,
    )  # fmt: skip


def _evolve(o: Order, **changes: object) -> Order:
    """``o`` with ``changes`` applied, as a new object."""
    new = _copy(o)
    for k, v in changes.items():
        setattr(new, k, v)
    return new


def _on(t: datetime | None, day: date) -> bool:
    return t is not None and t.date() == day


def _ms(t: datetime) -> datetime:
    """Millisecond precision: what DATETIME(3) stores, so a restart restores identical times."""
    return t.replace(microsecond=t.microsecond - t.microsecond % 1000)


class OrderSeq:
    """The order-id counter, shared by every account's exchange of one market (under the market's lock),
    so ids stay unique across accounts. It only grows: ids of a failed write are never given back."""

    __slots__ = ("value",)

    def __init__(self, value: int = 1):
        self.value = value


class PaperExchange:
    """One paper account matched against a MarketView. Thread-safe (one lock)."""

    def __init__(
        self,
        market: MarketView,
        clock: ClockView,
        store: PaperStore,
        *,
        commission_rate: Fraction | None = None,
        lock: threading.RLock | None = None,
        market_lock: threading.RLock | None = None,
        account: str | None = None,
        seq: OrderSeq | None = None,
        journal: FillJournal | None = None,
    ):
        self.market = market
        self.clock = clock
        self.store = store
        self.account = account
        self.writer: FillJournal | DirectWriter = journal or DirectWriter()
        self._ids = seq or OrderSeq()
        self._queue: list[_Pending] = []  # place_order calls waiting for the lock (combined)
        self._queue_lock = threading.Lock()
        rate = Fraction(commission_rate if commission_rate is not None else COMMISSION_RATES["paper"])
        self.commission_rate = rate
        self._c_num, self._c_den = rate.numerator, rate.denominator
        # ``lock`` guards this account's state; ``market_lock`` (the market's) is taken, after it, only
        # while an order reads the market (book, limits), so accounts commit to the store in parallel.
        self.lock = lock or threading.RLock()
        self._market_lock = market_lock or contextlib.nullcontext()
        self._listeners: list[Callable[[Fill], None]] = []
        self._tax_cache: dict[tuple[date, str], tuple[int, int, int, int]] = {}
        self._tick_tables: dict[tuple[date, str], tuple[list[int], list[int]]] = {}
        with self.lock:
            self._load()

    # --- state -------------------------------------------------------------------------------

    def _load(self) -> None:
        self.day = self.clock.session_date()
        state = self.store.load(self.day)
        self.initial_cash = state.initial_cash
        self.cash = state.cash
        self._ids.value = max(self._ids.value, state.next_seq)
        self._orders: dict[str, _Live] = {}
        self._by_code: dict[str, dict[str, _Live]] = {}
        self._client: dict[str, str] = {}
        self._reserved_cash = 0
        self._reserved_shares: dict[str, int] = {}
        for prio, rec in enumerate(sorted(state.orders, key=lambda r: r.order.order_id)):
            self._install(_Live(rec.order, rec.queue_ahead, rec.reserved, prio))
        self._prio = len(state.orders)
        self._positions = {p.code: _Pos(p.qty, p.cost, p.realized_pnl) for p in state.positions}
        self._fills = list(state.fills)
        self._fill_count: dict[str, int] = {}
        for f in self._fills:
            self._fill_count[f.order_id] = self._fill_count.get(f.order_id, 0) + 1
        self._taken: dict[tuple[str, str, int], int] = {}
        self.roll_day(self.day)

    def _install(self, live: _Live) -> None:
        """Put a committed order into the in-memory indexes (replacing its previous version)."""
        o = live.order
        old = self._orders.get(o.order_id)
        if old is not None and old.order.status in ACTIVE:
            self._reserved_cash -= old.reserved
            if old.order.side is SELL:
                self._reserved_shares[o.code] -= old.order.qty - old.order.filled_qty
            book = self._by_code[o.code]
            book.pop(o.order_id, None)
            if not book and o.status not in ACTIVE:
                del self._by_code[o.code]
        self._orders[o.order_id] = live
        if o.client_order_id:
            self._client[o.client_order_id] = o.order_id
        if o.status in ACTIVE:
            self._reserved_cash += live.reserved
            if o.side is SELL:
                self._reserved_shares[o.code] = self._reserved_shares.get(o.code, 0) + o.qty - o.filled_qty
            self._by_code.setdefault(o.code, {})[o.order_id] = live

    def _event(self, txn: _Txn, now: datetime, attach: tuple[tuple[object, str], ...] = ()) -> StoreEvent:
        """What the store must write for ``txn``."""
        return StoreEvent(
            time=now,
            cash=txn.cash,
            orders=tuple(
                OrderRecord(lv.order, lv.queue_ahead, lv.reserved, oid not in self._orders)
                for oid, lv in txn.orders.items()
            ),
            fills=tuple(txn.fills),
            positions=tuple(
                PositionRecord(code, p.qty, p.cost, p.realized, code not in self._positions)
                for code, p in txn.positions.items()
            ),
            attachments=tuple((a, txn.orders[oid].order) for a, oid in attach),
        )

    def _commit(self, txn: _Txn, now: datetime, defer: bool = False) -> None:
        """Write ``txn`` to the store (or, ``defer``: to the fill journal when the store cannot take it),
        then apply it here (nothing changes when the write fails)."""
        write_events([(self, self._event(txn, now))], defer)
        self._apply_txn(txn)

    def _apply_txn(self, txn: _Txn) -> None:
        """Apply a stored transaction to the in-memory state."""
        for lv in txn.orders.values():
            self._install(lv)
        self._positions.update(txn.positions)
        self.cash = txn.cash
        self._fills.extend(txn.fills)
        for key, q in txn.taken.items():
            self._taken[key] = self._taken.get(key, 0) + q
        for oid, n in txn.nfills.items():
            self._fill_count[oid] = self._fill_count.get(oid, 0) + n

    def _now(self) -> datetime:
        return _ms(self.clock.now())

    # --- listeners ---------------------------------------------------------------------------

    def add_fill_listener(self, callback: Callable[[Fill], None]) -> Callable[[], None]:
        """Call ``callback(fill)`` for every own execution; returns a function that removes it."""
        with self.lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self.lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove

    def _publish(self, fills: Iterable[Fill]) -> None:
        for f in fills:
            for cb in list(self._listeners):
                try:
                    cb(f)
                except Exception:  # noqa: BLE001 - a subscriber must not break matching
                    log.exception("fill listener failed")

    # --- costs -------------------------------------------------------------------------------

    def commission(self, amount: int) -> int:
        return amount * self._c_num // self._c_den

    def sell_tax(self, amount: int, code: str) -> int:
        """Same result as trading.krx.sell_tax for the exchange's day (rates cached per day)."""
        market = self.market.market(code)
        key = (self.day, market)
        rates = self._tax_cache.get(key)
        if rates is None:
            stt, rural = sell_tax_rates(self.day, market)
            rates = (stt.numerator, stt.denominator, rural.numerator, rural.denominator)
            self._tax_cache[key] = rates
        return amount * rates[0] // rates[1] + amount * rates[2] // rates[3]

    def _reserve_for(self, price: int, remaining: int) -> int:
        amount = price * remaining
        return amount + self.commission(amount)

    # --- validation --------------------------------------------------------------------------

    def _check_code(self, code: object) -> str:
        if not isinstance(code, str) or not is_valid_code(code) or not self.market.has(code):
            raise OrderRejected(Reason.UNKNOWN_CODE, str(code))
        return code

    def _check_price(self, code: str, price: object) -> int:
        if not _is_int(price) or price <= 0:
            raise OrderRejected(Reason.BAD_PRICE, str(price))
        price = int(price)
        if not self._on_tick(price, self.market.market(code)):
            raise OrderRejected(Reason.OFF_TICK, str(price))
        upper, lower = self.market.limits(code)
        if not lower <= price <= upper:
            raise OrderRejected(Reason.OUT_OF_LIMITS, f"{price} not in {lower}..{upper}")
        return price

    def _on_tick(self, price: int, market: Market) -> bool:
        """trading.krx.is_on_tick with the day's table cached (this is on every order's path)."""
        key = (self.day, market)
        table = self._tick_tables.get(key)
        if table is None:
            bands = tick_table(self.day, market)
            table = ([hi for hi, _ in bands[:-1]], [t for _, t in bands])
            self._tick_tables[key] = table
        return price % table[1][bisect.bisect_right(table[0], price)] == 0

    def _check_open(self) -> Phase:
        phase = self.clock.phase()
        if phase not in OPEN_PHASES:
            raise MarketClosed(str(phase))
        return phase

    def orderable(self) -> int:
        return self.cash - self._reserved_cash

    def sellable(self, code: str) -> int:
        pos = self._positions.get(code)
        return (pos.qty if pos else 0) - self._reserved_shares.get(code, 0)

    # --- orders ------------------------------------------------------------------------------

    def place_order(self, req: OrderRequest, attach: object | None = None) -> Order:
        """Place ``req``; ``attach`` (e.g. the order gateway's journal intent) is written by the store in the
        same transaction as the order.

        Concurrent calls are combined: whoever takes the lock places every queued order in one store
        transaction (one commit for many orders), each checked against the ones before it in the batch.
        """
        slot = _Pending(req, attach)
        with self._queue_lock:
            self._queue.append(slot)
        with self.lock:
            if not slot.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._place_batch(batch)
        if slot.fills:
            self._publish(slot.fills)
        if slot.error is not None:
            raise slot.error
        assert slot.order is not None
        return slot.order

    def _place_batch(self, batch: list[_Pending]) -> None:
        """Place ``batch`` in one transaction (under the lock); every slot ends done."""
        prep = self._prepare(batch)
        if prep.event is None:
            self._settle(prep, None)
            return
        try:
            write_events([(self, prep.event)])
        except Exception as err:  # noqa: BLE001 - nothing was written; _settle hands each caller the error
            self._settle(prep, err)
            return
        self._settle(prep, None)

    def _prepare(self, batch: list[_Pending]) -> _Prepared:
        """Check and match ``batch`` into one transaction, not yet written (under the lock)."""
        txn = _Txn(self.cash)
        prep = _Prepared(self, batch, txn)
        seen: dict[str, str] = {}  # client id → order id placed earlier in this batch
        with self._market_lock:  # the orders read the market; the write does not
            for slot in batch:
                cid = slot.req.client_order_id
                if cid and cid in seen:
                    prep.twins.append((slot, seen[cid]))
                    continue
                existing = self._by_client_id(cid)
                if existing is not None:
                    if slot.attach is not None:  # journaled: the journal answers for the first order
                        slot.error, slot.done = DuplicateAttachment(f"client id {cid} exists"), True
                    else:
                        slot.order, slot.done = existing, True
                    continue
                try:
                    seq, prio = self._ids.value + len(prep.placed), self._prio + len(prep.placed)
                    order = self._place(txn, slot.req, seq, prio)
                except OrderRejected as err:
                    slot.error, slot.done = err, True
                    continue
                prep.placed.append((slot, order.order_id))
                if cid:
                    seen[cid] = order.order_id
            if prep.placed:  # ids come from the counter shared by the market's accounts: take them now
                self._ids.value += len(prep.placed)
                self._prio += len(prep.placed)
        if prep.placed:
            attach = tuple((sl.attach, oid) for sl, oid in prep.placed if sl.attach is not None)
            prep.event = self._event(txn, self._orders_time(txn, prep.placed), attach)
        return prep

    def _settle(self, prep: _Prepared, error: Exception | None) -> None:
        """After the write (``error`` None) or its failure: apply, or give the ids back; answer each slot."""
        placed, twins = prep.placed, prep.twins
        if error is not None:
            self._release_prio(len(placed))
            if isinstance(error, DuplicateAttachment) and len(placed) > 1:
                for sl, _oid in placed + twins:  # one order's attachment clashed: the others one by one
                    self._place_batch([sl])
                return
            if not isinstance(error, OrderRejected | DuplicateAttachment):
                error = BrokerUnavailable(f"paper store write failed: {error}")
            for sl, _oid in placed + twins:
                sl.error, sl.done = error, True
            return
        if placed:
            self._apply_txn(prep.txn)
        by_order: dict[str, list[Fill]] = {}
        for f in prep.txn.fills:
            by_order.setdefault(f.order_id, []).append(f)
        for sl, oid in placed:
            sl.order, sl.fills, sl.done = _copy(self._orders[oid].order), by_order.get(oid, []), True
        for sl, oid in twins:
            if sl.attach is not None:
                sl.error, sl.done = DuplicateAttachment(f"client id {sl.req.client_order_id} exists"), True
            else:
                sl.order, sl.done = _copy(self._orders[oid].order), True

    def _release_prio(self, n: int) -> None:
        """Give back the queue priorities of a batch that was not stored. Its order ids stay used: a write
        that failed may still have been stored, so an id is never handed out twice."""
        self._prio -= n

    @staticmethod
    def _orders_time(txn: _Txn, placed: list[tuple[_Pending, str]]) -> datetime:
        return txn.orders[placed[-1][1]].order.created_at  # type: ignore[return-value]

    def _by_client_id(self, cid: str | None) -> Order | None:
        """Today's or an active order with this client id (what the exchange keeps in memory; the order
        gateway's journal answers for older ones before they get here)."""
        if not cid:
            return None
        oid = self._client.get(cid)
        if oid is not None and oid in self._orders:
            return _copy(self._orders[oid].order)
        return None

    def _orderable_in(self, txn: _Txn) -> int:
        """Orderable cash with the orders placed earlier in ``txn`` (a batch) counted."""
        pending = sum(lv.reserved for oid, lv in txn.orders.items() if oid not in self._orders)
        return txn.cash - self._reserved_cash - pending

    def _sellable_in(self, txn: _Txn, code: str) -> int:
        pos = txn.positions.get(code) or self._positions.get(code)
        selling = sum(
            lv.order.qty - lv.order.filled_qty
            for oid, lv in txn.orders.items()
            if oid not in self._orders and lv.order.code == code and lv.order.side is SELL
            and lv.order.status in ACTIVE
        )  # fmt: skip
        return (pos.qty if pos else 0) - self._reserved_shares.get(code, 0) - selling

    def _place(self, txn: _Txn, req: OrderRequest, seq: int, prio: int) -> Order:
        code = self._check_code(req.code)
        try:
            side = Side(req.side)
            otype = OrderType(req.order_type)
        except ValueError:
            reason = Reason.BAD_SIDE if req.side not in tuple(Side) else Reason.BAD_ORDER_TYPE
            raise OrderRejected(reason, f"{req.side!r}/{req.order_type!r}") from None
        qty = req.qty
        if not _is_int(qty) or qty <= 0:
            raise OrderRejected(Reason.BAD_QTY, str(qty))
        qty = int(qty)
        price = self._check_price(code, req.price) if otype is LIMIT else None
        phase = self._check_open()
        upper = self.market.limits(code)[0]
        reserved = 0
        if side is BUY:
            reserved = self._reserve_for(price if price is not None else upper, qty)
            orderable = self._orderable_in(txn)
            if reserved > orderable:
                raise OrderRejected(Reason.INSUFFICIENT_CASH, f"needs {reserved:,}, orderable {orderable:,}")
        elif qty > (sellable := self._sellable_in(txn, code)):
            raise OrderRejected(Reason.INSUFFICIENT_SHARES, f"sellable {sellable:,}")
        if otype is MARKET and phase is Phase.CONTINUOUS and not self._liquidity(code, side, txn):
            raise OrderRejected(Reason.NO_LIQUIDITY)

        now = self._now()
        oid = make_order_id(self.day, seq)
        order = Order(
            oid, code, side, otype, price, qty, client_order_id=req.client_order_id or None,
            created_at=now, updated_at=now,
        )  # fmt: skip
        live = _Live(order, 0, reserved, prio)
        txn.orders[oid] = live
        self._enter(txn, live, phase, now)
        return order

    def _enter(self, txn: _Txn, live: _Live, phase: Phase, now: datetime) -> None:
        """Execute what is marketable now (continuous trading) and set the resting queue."""
        o = live.order
        if phase is Phase.CONTINUOUS:
            self._walk(txn, live, now)
            o = live.order
            if o.status in ACTIVE and o.order_type is MARKET:
                live.order = _evolve(o, status=OrderStatus.CANCELLED, updated_at=now)
                live.reserved = 0
                return
            if o.status in ACTIVE:
                live.queue_ahead = self._queue_at(o.code, o.side, o.price)
        else:
            live.queue_ahead = 0

    def _liquidity(self, code: str, side: Side, txn: _Txn) -> bool:
        book = self.market.order_book(code)
        levels = book.asks if side is BUY else book.bids
        other = "ask" if side is BUY else "bid"
        return any(
            lv.qty - self._taken.get((code, other, lv.price), 0) - txn.taken.get((code, other, lv.price), 0)
            > 0
            for lv in levels
        )

    def _walk(self, txn: _Txn, live: _Live, now: datetime) -> None:
        o = live.order
        book = self.market.order_book(o.code)
        buy = o.side is BUY
        levels, other = (book.asks, "ask") if buy else (book.bids, "bid")
        for lv in levels:
            rem = live.order.qty - live.order.filled_qty
            if rem <= 0:
                break
            if o.price is not None and (lv.price > o.price if buy else lv.price < o.price):
                break
            key = (o.code, other, lv.price)
            avail = lv.qty - self._taken.get(key, 0) - txn.taken.get(key, 0)
            if avail <= 0:
                continue
            q = min(rem, avail)
            txn.taken[key] = txn.taken.get(key, 0) + q
            self._fill(txn, live, lv.price, q, now)

    def _queue_at(self, code: str, side: Side, price: int | None) -> int:
        """Displayed quantity at ``price`` on the order's own side (deeper than shown: the last level)."""
        if price is None:
            return 0
        book = self.market.order_book(code)
        levels = book.bids if side is BUY else book.asks
        if not levels:
            return 0
        for lv in levels:
            if lv.price == price:
                return lv.qty
        beyond = price < levels[-1].price if side is BUY else price > levels[-1].price
        return levels[-1].qty if beyond else 0

    def _pos(self, txn: _Txn, code: str) -> _Pos:
        p = txn.positions.get(code)
        if p is None:
            cur = self._positions.get(code)
            p = _Pos(cur.qty, cur.cost, cur.realized) if cur else _Pos(0, 0, 0)
            txn.positions[code] = p
        return p

    def _fill(self, txn: _Txn, live: _Live, price: int, q: int, t: datetime) -> None:
        o = live.order
        amount = price * q
        fee = self.commission(amount)
        pos = self._pos(txn, o.code)
        if o.side is BUY:
            tax = 0
            txn.cash -= amount + fee
            pos.qty += q
            pos.cost += amount
        else:
            tax = self.sell_tax(amount, o.code)
            txn.cash += amount - fee - tax
            removed = pos.cost if q == pos.qty else pos.cost * q // pos.qty
            pos.qty -= q
            pos.cost -= removed
            pos.realized += amount - removed
        filled = o.filled_qty + q
        status = OrderStatus.FILLED if filled == o.qty else OrderStatus.PARTIAL
        live.order = _evolve(
            o, filled_qty=filled, filled_amount=o.filled_amount + amount, status=status, updated_at=t
        )
        if o.side is BUY:
            rem = o.qty - filled
            ref = o.price if o.price is not None else self.market.limits(o.code)[0]
            live.reserved = self._reserve_for(ref, rem) if rem else 0
        k = txn.nfills.get(o.order_id, 0) + 1
        txn.nfills[o.order_id] = k
        n = self._fill_count.get(o.order_id, 0) + k
        txn.fills.append(
            Fill(f"{o.order_id}-{n:04d}", o.order_id, o.code, o.side, price, q, fee, tax, t, self.account)
        )
        txn.orders[o.order_id] = live

    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order:
        with self.lock, self._market_lock:
            live = self._active(order_id)
            o = live.order
            new_price = o.price
            if price is not None:
                if o.order_type is MARKET:
                    raise OrderRejected(Reason.BAD_PRICE, "a market order has no price")
                new_price = self._check_price(o.code, price)
            new_qty = o.qty
            if qty is not None:
                if not _is_int(qty) or qty <= o.filled_qty:
                    raise OrderRejected(Reason.BAD_QTY, f"{qty} (filled {o.filled_qty})")
                new_qty = int(qty)
            if new_price == o.price and new_qty == o.qty:
                raise OrderRejected(Reason.NO_CHANGE)
            phase = self._check_open()
            rem = new_qty - o.filled_qty
            reserved = 0
            if o.side is BUY:
                ref = new_price if new_price is not None else self.market.limits(o.code)[0]
                reserved = self._reserve_for(ref, rem)
                if reserved - live.reserved > self.orderable():
                    raise OrderRejected(Reason.INSUFFICIENT_CASH, f"orderable {self.orderable():,}")
            elif rem - (o.qty - o.filled_qty) > self.sellable(o.code):
                raise OrderRejected(Reason.INSUFFICIENT_SHARES, f"sellable {self.sellable(o.code):,}")
            now = self._now()
            txn = _Txn(self.cash)
            loses = new_price != o.price or new_qty > o.qty
            new = _Live(
                _evolve(o, price=new_price, qty=new_qty, updated_at=now),
                live.queue_ahead,
                reserved,
                live.prio,
            )
            txn.orders[order_id] = new
            if loses:
                new.prio = self._prio
                self._prio += 1
                self._enter(txn, new, phase, now)
            self._commit(txn, now)
            result = _copy(self._orders[order_id].order)
            fills = txn.fills
        if fills:
            self._publish(fills)
        return result

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        """Cancel ``qty`` shares of the remainder (None = all). Allowed in any phase."""
        with self.lock, self._market_lock:
            live = self._active(order_id)
            o = live.order
            rem = o.qty - o.filled_qty
            if qty is not None and (not _is_int(qty) or qty <= 0 or qty > rem):
                raise OrderRejected(Reason.BAD_QTY, f"{qty} (remaining {rem})")
            now = self._now()
            txn = _Txn(self.cash)
            if qty is None or qty == rem:
                new = _Live(_evolve(o, status=OrderStatus.CANCELLED, updated_at=now), 0, 0, live.prio)
            else:
                left = rem - int(qty)
                reserved = (
                    self._reserve_for(o.price or self.market.limits(o.code)[0], left) if o.side is BUY else 0
                )
                new = _Live(
                    _evolve(o, qty=o.qty - int(qty), updated_at=now),
                    live.queue_ahead,
                    reserved,
                    live.prio,
                )
            txn.orders[order_id] = new
            self._commit(txn, now)
            return _copy(self._orders[order_id].order)

    def _active(self, order_id: str) -> _Live:
        live = self._orders.get(order_id)
        if live is None:
            raise OrderRejected(Reason.ORDER_NOT_FOUND, str(order_id))
        if live.order.status not in ACTIVE:
            raise OrderRejected(Reason.NOT_ACTIVE, f"{order_id} is {live.order.status}")
        return live

    # --- market events -----------------------------------------------------------------------

    def on_batch(self, batch) -> list[Fill]:  # noqa: ANN001 - a trading.market TickBatch
        """Match resting orders against one simulator step (one store transaction)."""
        with self.lock:
            self._taken.clear()
            if not self._by_code or not len(batch):
                return []
            ci = batch.code_idx
            txn = _Txn(self.cash)
            codes = list(self._by_code)
            idx = np.fromiter((self.market.index[c] for c in codes), dtype=ci.dtype, count=len(codes))
            los = np.searchsorted(ci, idx, "left")  # one call for every code with resting orders
            his = np.searchsorted(ci, idx, "right")
            for k in np.flatnonzero(his > los).tolist():
                lo, hi = int(los[k]), int(his[k])
                self._match(
                    txn,
                    codes[k],
                    batch.price[lo:hi],
                    batch.volume[lo:hi],
                    batch.auction[lo:hi],
                    batch.time[lo:hi],
                )
            fills = self._finish(txn)
        if fills:
            self._publish(fills)
        return fills

    def on_trades(
        self,
        code: str,
        prices: Iterable[int],
        volumes: Iterable[int],
        auction: bool = False,
        time: datetime | None = None,
    ) -> list[Fill]:
        """Match resting orders of ``code`` against market trades (tests, replays)."""
        with self.lock:
            self._taken.clear()
            p = np.asarray(list(prices), dtype=np.int64)
            v = np.asarray(list(volumes), dtype=np.int64)
            t = _ms(time or self.clock.now())
            ms = np.full(len(p), int(t.timestamp() * 1000), dtype=np.int64)
            txn = _Txn(self.cash)
            if code in self._by_code:
                self._match(txn, code, p, v, np.full(len(p), auction), ms)
            fills = self._finish(txn)
        if fills:
            self._publish(fills)
        return fills

    def _finish(self, txn: _Txn) -> list[Fill]:
        if not txn.orders:
            return []
        self._commit(txn, self._now(), defer=True)
        return txn.fills

    def _match(
        self,
        txn: _Txn,
        code: str,
        prices: np.ndarray,
        vols: np.ndarray,
        auctions: np.ndarray,
        times: np.ndarray,
    ) -> None:
        lives = sorted(self._by_code[code].values(), key=lambda lv: lv.prio)
        lives = [txn.orders.get(lv.order.order_id, lv) for lv in lives]
        # Skip trades that cannot touch any order (most of them).
        inf = np.iinfo(np.int64).max
        max_buy = max((lv.order.price or inf for lv in lives if lv.order.side is BUY), default=-1)
        min_sell = min((lv.order.price or 0 for lv in lives if lv.order.side is SELL), default=inf)
        relevant = np.flatnonzero(auctions | (prices <= max_buy) | (prices >= min_sell))
        tz = self.clock.now().tzinfo
        for k in relevant.tolist():
            P, V, auc = int(prices[k]), int(vols[k]), bool(auctions[k])
            t = None
            given = {BUY: 0, SELL: 0}
            for j, lv in enumerate(lives):
                o = lv.order
                if o.status not in ACTIVE:
                    continue
                rem = o.qty - o.filled_qty
                L = o.price
                if o.side is BUY:
                    through = L is None or P < L
                    at = L == P
                else:
                    through = L is None or P > L
                    at = L == P
                if not (through or at):
                    continue
                new = _Live(o, lv.queue_ahead, lv.reserved, lv.prio)
                if t is None:
                    t = datetime.fromtimestamp(int(times[k]) / 1000.0, tz)
                if through:
                    self._fill(txn, new, P if auc or L is None else L, rem, t)
                else:
                    q = min(new.queue_ahead, V)
                    new.queue_ahead -= q
                    free = V - q - given[o.side]
                    f = min(rem, free)
                    if f > 0:
                        given[o.side] += f
                        self._fill(txn, new, L, f, t)
                    elif q:
                        txn.orders[o.order_id] = new
                lives[j] = new

    def roll_day(self, day: date) -> None:
        """Start session ``day``: cancel orders still open from earlier sessions (day orders)."""
        with self.lock:
            self.day = day
            now = self._now()
            txn = _Txn(self.cash)
            for lv in list(self._orders.values()):
                o = lv.order
                if o.status in ACTIVE and o.created_at is not None and o.created_at.date() < day:
                    txn.orders[o.order_id] = _Live(
                        _evolve(o, status=OrderStatus.CANCELLED, updated_at=now), 0, 0, lv.prio
                    )
            if txn.orders:
                self._commit(txn, now, defer=True)
            # Memory keeps today's orders and fills only; older ones are read from the store.
            self._orders = {
                oid: lv
                for oid, lv in self._orders.items()
                if lv.order.status in ACTIVE or (lv.order.created_at and lv.order.created_at.date() == day)
            }
            self._client = {c: oid for c, oid in self._client.items() if oid in self._orders}
            self._fills = [f for f in self._fills if f.time.date() == day or f.order_id in self._orders]

    # --- reads -------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> Order | None:
        with self.lock:
            lv = self._orders.get(order_id)
            return _copy(lv.order) if lv else None

    def open_orders(self) -> list[Order]:
        with self.lock:
            return [
                _copy(lv.order)
                for lv in sorted(self._orders.values(), key=lambda lv: lv.order.order_id)
                if lv.order.status in ACTIVE
            ]

    def orders(self, day: date | None = None) -> list[Order]:
        with self.lock:
            if day is None or day == self.day:
                return [
                    _copy(lv.order)
                    for lv in sorted(self._orders.values(), key=lambda lv: lv.order.order_id)
                    if lv.order.created_at and lv.order.created_at.date() == self.day
                ]
            orders = {o.order_id: o for o in self.store.orders_on(day)}
            for ev in self.writer.pending_events(self.account):  # what waits in the journal is newer
                orders.update((r.order.order_id, r.order) for r in ev.orders if _on(r.order.created_at, day))
            return sorted(orders.values(), key=lambda o: o.order_id)

    def fills(self, day: date | None = None) -> list[Fill]:
        with self.lock:
            if day is None or day == self.day:
                return [f for f in self._fills if f.time.date() == self.day]
            fills = self.store.fills_on(day)
            seen = {f.fill_id for f in fills}
            for ev in self.writer.pending_events(self.account):
                fills += [f for f in ev.fills if f.fill_id not in seen and _on(f.time, day)]
            return fills

    def queue_ahead(self, order_id: str) -> int:
        with self.lock:
            return self._orders[order_id].queue_ahead

    def positions_raw(self) -> dict[str, tuple[int, int, int]]:
        """code → (qty, cost, realized P&L), rows with qty 0 included."""
        with self.lock:
            return {c: (p.qty, p.cost, p.realized) for c, p in self._positions.items()}

    def balance(self) -> Balance:
        with self.lock:
            positions = tuple(
                Position(code, p.qty, p.cost, self.market.last_price(code))
                for code, p in sorted(self._positions.items())
                if p.qty > 0
            )
            return Balance(self.cash, self.orderable(), positions)

    def snapshot(self) -> dict[str, object]:
        """The full observable state (tests compare it before/after and across restarts)."""
        with self.lock:
            return {
                "cash": self.cash,
                "orderable": self.orderable(),
                "reserved_cash": self._reserved_cash,
                "reserved_shares": {c: q for c, q in self._reserved_shares.items() if q},
                "orders": {
                    oid: (dataclasses.astuple(lv.order), lv.queue_ahead, lv.reserved)
                    for oid, lv in sorted(self._orders.items())
                },
                "positions": self.positions_raw(),
                "fills": sorted(dataclasses.astuple(f) for f in self._fills),
                "next_seq": self._ids.value,
            }
