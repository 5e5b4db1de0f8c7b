"""MarketService: the one driver of the simulated market and the paper exchange in a process.

It owns the clock, the simulator and the exchange behind one lock; ``start()`` runs a background
thread that steps the market every ``interval`` seconds (``settings.market_step_ms``, on a fixed
cadence) and matches resting orders, so every client in the process sees the same prices and the
same account. A tick is stamped inside the step it belongs to, so it waits up to ``interval`` before
the step that produces it ends; subscribers get it at the end of that step, then the step listeners
(``on_step``) run, e.g. the Redis publisher's flush in ``gslts market``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import numpy as np

from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.exchange import OrderSeq, PaperExchange
from trading.brokers.paper.store import MemoryStore, PaperStore
from trading.market.clock import Clock, DemoClock, RealClock
from trading.market.simulator import MarketSimulator, TickBatch, USReturns
from trading.market.stocks import StockInfo, load_listing

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Sub:
    codes: frozenset[str]
    callback: Callable[[object], None]


class _Handle:
    def __init__(self, cancel: Callable[[], None]):
        self._cancel = cancel

    def cancel(self) -> None:
        self._cancel()


class MarketService:
    def __init__(
        self,
        stocks: Sequence[StockInfo] | None = None,
        *,
        clock: Clock | None = None,
        store: PaperStore | None = None,
        store_factory: Callable[[str], PaperStore] | None = None,
        account: str = "paper",
        seed: int = 42,
        strength: float = 0.6,
        commission_rate: Fraction | None = None,
        prev_close: Mapping[str, int] | None = None,
        us_returns: USReturns = None,
        interval: float = 0.1,
    ):
        self.lock = threading.RLock()
        self.clock = clock or DemoClock()
        self.stocks = list(stocks) if stocks is not None else load_listing()
        self.interval = interval
        self.sim = MarketSimulator(
            self.stocks, seed=seed, strength=strength, start_day=self.clock.session_date(),
            prev_close=prev_close, us_returns=us_returns,
        )  # fmt: skip
        self._commission_rate = commission_rate
        self._store_factory = store_factory
        self._order_seq = OrderSeq()
        self._fill_listeners: list[Callable[[object], None]] = []
        # One exchange per paper account, all matched against the same simulated market. ``exchange`` is
        # the default account's (a given ``store``, or a memory store when no factory makes accounts).
        self.exchanges: dict[str, PaperExchange] = {}
        self.exchange: PaperExchange | None = None
        if store is not None or store_factory is None:
            self.exchange = self._new_exchange(account, store or MemoryStore())
        self._subs: dict[str, dict[int, _Sub]] = {"ticks": {}, "books": {}}
        self._step_listeners: dict[int, Callable[[], None]] = {}
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _new_exchange(self, account: str, store: PaperStore) -> PaperExchange:
        ex = PaperExchange(
            self.sim, self.clock, store, commission_rate=self._commission_rate, market_lock=self.lock,
            account=account, seq=self._order_seq,
        )  # fmt: skip
        for cb in self._fill_listeners:
            ex.add_fill_listener(cb)
        self.exchanges[account] = ex
        return ex

    def add_fill_listener(self, callback: Callable[[object], None]) -> None:
        """Call ``callback(fill)`` for every execution of every paper account (``fill.account`` says whose),
        accounts opened later included."""
        with self.lock:
            self._fill_listeners.append(callback)
            for ex in self.exchanges.values():
                ex.add_fill_listener(callback)

    def exchange_for(self, account: str) -> PaperExchange:
        """The exchange of paper account ``account`` (loaded from its store on first use)."""
        ex = self.exchanges.get(account)  # the common case needs no lock (a dict read)
        if ex is not None:
            return ex
        with self.lock:
            ex = self.exchanges.get(account)
            if ex is None:
                if self._store_factory is None:
                    raise OrderRejected(Reason.NO_ACCOUNT, account)
                ex = self._new_exchange(account, self._store_factory(account))
            return ex

    @classmethod
    def from_settings(
        cls,
        settings,  # noqa: ANN001 - trading.config.Settings
        store: PaperStore | None = None,
        prev_close: Mapping[str, int] | None = None,
        stocks: Sequence[StockInfo] | None = None,
        store_factory: Callable[[str], PaperStore] | None = None,
    ) -> MarketService:
        """Clock, seed, US strength, commission, initial cash and step interval from the settings."""
        clock = DemoClock(settings.market_speed) if settings.market_clock == "demo" else RealClock()
        rate = Fraction(str(settings.commission_pct)) / 100 if settings.commission_pct is not None else None
        if store is None and store_factory is None:
            store = MemoryStore(settings.paper_initial_cash)
        return cls(
            stocks, clock=clock, store=store, store_factory=store_factory,
            seed=settings.market_seed, strength=settings.us_effect_strength, commission_rate=rate,
            prev_close=prev_close, interval=settings.market_step_ms / 1000,
        )  # fmt: skip

    # --- driving -----------------------------------------------------------------------------

    def step(self, now: datetime | None = None) -> TickBatch:
        """Advance the market to ``now`` (default: the clock), match orders, notify subscribers."""
        with self.lock:
            batch = self.sim.step(now or self.clock.now())
            books = self._changed_books(batch)
            exchanges = list(self.exchanges.values())
            day = self.sim.day
        for ex in exchanges:  # each account under its own lock: never the market's while waiting for one
            try:
                ex.on_batch(batch)
                if day != ex.day:
                    ex.roll_day(day)
            except Exception:  # noqa: BLE001 - one account's store failure must not stop the others
                log.exception("paper account %s: matching failed", ex.account)
        self._publish(batch, books)
        for listener in list(self._step_listeners.values()):
            try:
                listener()
            except Exception:  # noqa: BLE001 - a listener must not stop the market
                log.exception("step listener failed")
        return batch

    def start(self) -> None:
        """Step in a background thread until ``stop()``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="market-service", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        # A fixed cadence: the step's own cost is not added to the interval; a late step is not
        # followed by a burst of catch-up steps (the next one simply covers the longer span).
        due = time.monotonic()
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - keep the market alive; the error is logged
                log.exception("market step failed")
            due += self.interval
            now = time.monotonic()
            if due < now:
                due = now
            self._stop.wait(due - now)

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(self, kind: str, codes: Iterable[str], callback: Callable[[object], None]) -> _Handle:
        """``kind`` "ticks" (Tick objects) or "books" (OrderBook after each change)."""
        sid = next(self._ids)
        with self.lock:
            self._subs[kind][sid] = _Sub(frozenset(codes), callback)
        return _Handle(lambda: self._subs[kind].pop(sid, None))

    def on_step(self, callback: Callable[[], None]) -> _Handle:
        """Call ``callback()`` after every step, once its ticks and books went to the subscribers."""
        sid = next(self._ids)
        self._step_listeners[sid] = callback
        return _Handle(lambda: self._step_listeners.pop(sid, None))

    def _changed_books(self, batch: TickBatch) -> dict[str, object]:
        subs = list(self._subs["books"].values())
        if not subs or not len(batch):
            return {}
        wanted = set().union(*(s.codes for s in subs))
        traded = {self.sim.codes[i] for i in np.unique(batch.code_idx)}
        return {c: self.sim.order_book(c) for c in wanted & traded}

    def _publish(self, batch: TickBatch, books: dict[str, object]) -> None:
        tick_subs = list(self._subs["ticks"].values())
        if tick_subs and len(batch):
            wanted = set().union(*(s.codes for s in tick_subs))
            idx = [self.sim.index[c] for c in wanted if c in self.sim.index]
            mask = np.isin(batch.code_idx, idx)
            if mask.any():
                ticks = batch.ticks(wanted) if mask.all() else _subset(batch, mask).ticks()
                for sub in tick_subs:
                    for t in ticks:
                        if t.code in sub.codes:
                            _call(sub.callback, t)
        for sub in list(self._subs["books"].values()):
            for code, book in books.items():
                if code in sub.codes:
                    _call(sub.callback, book)


def _subset(batch: TickBatch, mask: np.ndarray) -> TickBatch:
    return TickBatch(
        batch.codes, batch.code_idx[mask], batch.time[mask], batch.seq[mask], batch.price[mask],
        batch.volume[mask], batch.cum_volume[mask], batch.cum_value[mask], batch.strength[mask],
        batch.auction[mask], batch.day,
    )  # fmt: skip


def _call(cb: Callable[[object], None], item: object) -> None:
    try:
        cb(item)
    except Exception:  # noqa: BLE001 - a subscriber must not stop the market
        log.exception("subscriber callback failed")
