"""MarketService: the one driver of the simulated market and the paper exchange in a process.

It owns the clock, the simulator and the exchange behind one lock; ``start()`` runs a background
thread that steps the market every ``interval`` seconds (``settings.market_step_ms``, on a fixed
cadence) and matches resting orders, so every client in the process sees the same prices and the
same account. A tick is stamped inside the step it belongs to, so it waits up to ``interval`` before
the step that produces it ends; subscribers get it at the end of that step, then the step listeners
(``on_step``) run, e.g. the Redis publisher's flush in ``gslts market``.

With a ``MarketState`` every step is saved before its ticks go out, and a market built on it continues
the saved session (``from_settings``). With a ``FillJournal`` the accounts' market events wait there
while the store is down: a step never fails for the database.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np

from trading import metrics
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.exchange import OrderSeq, PaperExchange
from trading.brokers.paper.fill_journal import FillJournal
from trading.brokers.paper.store import MemoryStore, PaperStore, first_seq
from trading.krx import krx_session_bounds, next_krx_session
from trading.market.clock import Clock, DemoClock, RealClock, first_demo_open
from trading.market.simulator import MarketSimulator, TickBatch
from trading.market.state import MarketState, Saved, codes_digest
from trading.market.stocks import StockInfo, load_listing

log = logging.getLogger(__name__)

MORNING = timedelta(minutes=90)  # DEMO_START=morning: a new demo session starts this long after the open
CATCH_UP_STEP = timedelta(seconds=10)  # simulated time per step when catching up to the clock


@dataclass(slots=True)
class _Sub:
    codes: frozenset[str]
    callback: Callable[[object], None]
    history: Callable[[TickBatch], None] | None = None  # gets caught-up steps whole (see ``subscribe``)


class _Handle:
    def __init__(self, cancel: Callable[[], None]):
        self._cancel = cancel

    def cancel(self) -> None:
        self._cancel()


@dataclass(frozen=True, slots=True)
class Durability:
    """What makes a market survive a restart: the fill journal, the saved session (``state`` and what it
    held, ``saved``) and the order-id epoch (the owner's fencing token)."""

    journal: FillJournal | None = None
    state: MarketState | None = None
    saved: Saved | None = None
    id_epoch: int = 0


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
        interval: float = 0.1,
        durability: Durability = Durability(),
    ):
        self.lock = threading.RLock()
        self.clock = clock or DemoClock()
        self.stocks = list(stocks) if stocks is not None else load_listing()
        self.interval = interval
        self.sim = MarketSimulator(
            self.stocks, seed=seed, strength=strength, start_day=self.clock.session_date(),
            prev_close=prev_close,
        )  # fmt: skip
        self.journal = durability.journal
        self.state = state = durability.state
        self._clock_kind = "demo" if isinstance(self.clock, DemoClock) else "real"
        self._replay: list[TickBatch] = []  # the saved session's last ticks, published again first
        self.continued = durability.saved is not None  # a saved session continued (not a new one)
        self.morning = False  # a new demo session that starts mid-morning: ``catch_up`` trades the morning
        self._catching_up = False  # catch_up's steps publish no books (only the newest book matters)
        self._state_failed = False
        if state is not None:
            self._continue(state, durability.saved)
        self._commission_rate = commission_rate
        self._store_factory = store_factory
        self._create_lock = threading.Lock()
        self._order_seq = OrderSeq(first_seq(durability.id_epoch))
        self._fill_listeners: list[Callable[[object], None]] = []
        # One exchange per paper account, all matched against the same simulated market. ``exchange`` is
        # the default account's (a given ``store``, or a memory store when no factory makes accounts).
        self.exchanges: dict[str, PaperExchange] = {}
        self.exchange: PaperExchange | None = None
        if store is not None or store_factory is None:
            self.exchange = self._new_exchange(account, store or MemoryStore())
        self._subs: dict[str, dict[int, _Sub]] = {"ticks": {}, "books": {}}
        self._step_listeners: dict[int, Callable[[], None]] = {}
        self.stepped_to: datetime | None = None  # the time of the last step (its ticks are all published)
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _continue(self, state: MarketState, saved: Saved | None) -> None:
        """Continue ``saved`` (checked by ``from_settings``) or start a new session on ``state``."""
        if saved is None:
            state.fresh()
            return
        self.sim.restore(saved.sim)
        state.resume(saved)
        self._replay = [dataclasses.replace(b, codes=self.sim.codes) for _, b in saved.outbox]
        log.info(
            "market: continuing the session of %s from %s (step %d)", saved.sim.day, saved.now, saved.step
        )

    def use_id_epoch(self, epoch: int) -> None:
        """Number new orders from market epoch ``epoch`` (the owner's fencing token) on."""
        with self.lock:
            self._order_seq.value = max(self._order_seq.value, first_seq(epoch))

    def _new_exchange(self, account: str, store: PaperStore) -> PaperExchange:
        ex = PaperExchange(
            self.sim, self.clock, store, commission_rate=self._commission_rate, market_lock=self.lock,
            account=account, seq=self._order_seq, journal=self.journal,
        )  # fmt: skip
        with self.lock:
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
        if self._store_factory is None:
            raise OrderRejected(Reason.NO_ACCOUNT, account)
        with self._create_lock:  # not the market's lock: loading reads the database
            ex = self.exchanges.get(account)
            if ex is None:
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
        *,
        journal: FillJournal | None = None,
        state_dir: Path | None = None,
        id_epoch: int = 0,
    ) -> MarketService:
        """Clock, seed, US strength, commission, initial cash and step interval from the settings.

        With ``state_dir`` the session is saved there at every step, and a session saved earlier is
        continued: the demo clock resumes at its saved time, the real clock on the same day only."""
        stocks = list(stocks) if stocks is not None else load_listing()
        state = MarketState(state_dir) if state_dir is not None else None
        saved = state.load() if state is not None else None
        if saved is not None:
            why = _not_resumable(saved, settings, [s.code for s in stocks])
            if why:
                log.warning("market: not continuing the saved session of %s: %s", saved.sim.day, why)
                saved = None
        if settings.market_clock == "demo":
            start = _resume_at(saved) if saved else _demo_start(settings.demo_start)
            clock: Clock = DemoClock(settings.market_speed, start=start)
        else:
            clock = RealClock()
        rate = Fraction(str(settings.commission_pct)) / 100 if settings.commission_pct is not None else None
        if store is None and store_factory is None:
            store = MemoryStore(settings.paper_initial_cash)
        market = cls(
            stocks, clock=clock, store=store, store_factory=store_factory,
            seed=settings.market_seed, strength=settings.us_effect_strength, commission_rate=rate,
            prev_close=prev_close, interval=settings.market_step_ms / 1000,
            durability=Durability(journal=journal, state=state, saved=saved, id_epoch=id_epoch),
        )  # fmt: skip
        market.morning = (
            saved is None and settings.market_clock == "demo" and settings.demo_start == "morning"
        )
        return market

    # --- driving -----------------------------------------------------------------------------

    def step(self, now: datetime | None = None) -> TickBatch:
        """Advance the market to ``now`` (default: the clock), match orders, notify subscribers."""
        with self.lock:
            now = now or self.clock.now()
            batch = self.sim.step(now)
            self.stepped_to = now  # every tick up to here is out once this step has published
            self._save(now, batch)
            replay, self._replay = self._replay, []
            books = {} if self._catching_up else self._changed_books(batch)
            exchanges = list(self.exchanges.values())
            day = self.sim.day
        for ex in exchanges:  # each account under its own lock: never the market's while waiting for one
            try:
                ex.on_batch(batch)
                if day != ex.day:
                    ex.roll_day(day)
            except Exception:  # noqa: BLE001 - one account's store failure must not stop the others
                log.exception("paper account %s: matching failed", ex.account)
        for old in replay:  # what the saved session may not have published
            self._publish(old, {})
        self._publish(batch, books)
        if len(batch):
            metrics.MARKET_LAST_TICK.set(time.time())
        for listener in list(self._step_listeners.values()):
            try:
                listener()
            except Exception:  # noqa: BLE001 - a listener must not stop the market
                log.exception("step listener failed")
        return batch

    def catch_up(self, step: timedelta = CATCH_UP_STEP) -> int:
        """Step to the clock's time in steps of at most ``step`` of simulated time, as if the market had
        run live since the last step (a new demo session starting mid-morning: the morning is traded
        before the first page asks; ``morning``). Every step is saved and published like a live one
        (subscribers with a ``history`` callback get these steps as whole batches). Otherwise — the real
        clock, a continued session, DEMO_START=open — one step. Returns the number of steps."""
        if not self.morning:  # the real clock, a continued session, DEMO_START=open: one step, as ever
            self.step()
            return 1
        with self.lock:
            sim = self.sim
            t = sim.open_dt if not sim.opened else sim.open_dt + timedelta(seconds=max(sim.t, 0.0))
        n = 0
        started = time.monotonic()
        self._catching_up = True
        try:
            while True:
                target = self.clock.now()
                if t + step >= target or target.date() != t.date():
                    break
                t += step
                self.step(t)
                n += 1
        finally:
            self._catching_up = False
        self.step()
        if n:  # the books as they are now, once, for every code a subscriber watches
            with self.lock:
                wanted = set().union(*(s.codes for s in self._subs["books"].values()))
                books = {c: self.sim.order_book(c) for c in wanted if self.sim.has(c)}
            self._publish(TickBatch.empty(self.sim.codes, self.sim.day), books)
        if n:
            log.info("market: traded %d steps up to %s in %.1f s", n + 1, self.stepped_to,
                     time.monotonic() - started)  # fmt: skip
        return n + 1

    def clock_info(self) -> dict[str, object]:
        """The market's clock for the navbar: ``kind`` (demo|real), ``speed`` (demo) and ``now``."""
        speed = getattr(self.clock, "speed", None)
        return {"kind": self._clock_kind, "speed": speed, "now": self.clock.now()}

    def set_speed(self, speed: float) -> dict[str, object]:
        """Change the demo clock's speed now (ValueError: the real clock, or a speed out of range)."""
        if not isinstance(self.clock, DemoClock):
            raise ValueError("only the demo clock's speed can change")
        self.clock.set_speed(float(speed))
        log.info("market: demo clock speed set to %g", speed)
        return self.clock_info()

    def _save(self, now: datetime, batch: TickBatch) -> None:
        """Save the step before its ticks go out (under the lock)."""
        if self.state is None:
            return
        try:
            self.state.save(self.sim, now, batch, self._clock_kind)
            if self._state_failed:
                log.warning("market state saved again")
            self._state_failed = False
        except Exception:  # noqa: BLE001 - a full disk must not stop the market; logged once
            if not self._state_failed:
                log.exception("market state not saved (a restart would not continue this session)")
            self._state_failed = True

    @property
    def pending_writes(self) -> int:
        """Paper account events waiting in the fill journal for the database."""
        return self.journal.pending if self.journal is not None else 0

    def close(self) -> None:
        """Stop stepping; write what the fill journal holds if the store answers; close the state."""
        self.stop()
        if self.journal is not None:
            self.journal.close()
        if self.state is not None:
            with self.lock:
                self.state.close()

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

    def subscribe(
        self,
        kind: str,
        codes: Iterable[str],
        callback: Callable[[object], None],
        history: Callable[[TickBatch], None] | None = None,
    ) -> _Handle:
        """``kind`` "ticks" (Tick objects) or "books" (OrderBook after each change). With ``history``, the
        steps of ``catch_up`` go to it as whole batches (every code) instead of tick by tick: a morning of
        every stock is hundreds of thousands of ticks (the market process writes them to its log)."""
        sid = next(self._ids)
        with self.lock:
            self._subs[kind][sid] = _Sub(frozenset(codes), callback, history)
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
        if self._catching_up and any(s.history is not None for s in tick_subs):
            for sub in tick_subs:
                if sub.history is not None and len(batch):
                    _call(sub.history, batch)  # type: ignore[arg-type]
            tick_subs = [s for s in tick_subs if s.history is None]
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


def _not_resumable(saved: Saved, settings, codes: list[str]) -> str | None:  # noqa: ANN001 - Settings
    """Why the saved session cannot be continued with these settings (None: it can)."""
    if saved.seed != settings.market_seed:
        return "MARKET_SEED changed"
    if saved.codes != codes_digest(codes):
        return "the stock list changed"
    if saved.clock != settings.market_clock:
        return "MARKET_CLOCK changed"
    if saved.clock == "real" and saved.sim.day != RealClock().session_date():
        return "it is another day"
    return None


def _demo_start(mode: str) -> datetime | None:
    """Where a new demo session starts: the default open (``open``), or ``MORNING`` after it."""
    if mode != "morning":
        return None
    return first_demo_open() + MORNING


def _resume_at(saved: Saved) -> datetime:
    """Where the demo clock resumes: the saved step's time (the next session's open after a close)."""
    open_, close = krx_session_bounds(saved.sim.day)
    if saved.now >= close:
        return krx_session_bounds(next_krx_session(saved.sim.day))[0]
    return max(saved.now, open_)


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
