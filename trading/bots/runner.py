"""The bot runner: closed bars → the backtest's ``Strategy.signals`` → crossings → orders through the order
gateway; exits watched on every tick; the bots' state in the database.

It runs in the process that owns the accounts (``gslts run`` embedded, ``gslts market`` in full mode), next
to the market or the broker feed, so a stop is one queue hop from its tick. Threads: the feed calls
``_on_tick`` / ``_on_pulse`` (cheap: bar building, a queue put); one runner thread does the rest.

Rules it keeps:
* one evaluation per bot and bar (``claim_evaluation``: a primary key, whatever process asks);
* crossings, not levels: a target that stays 1 never buys again;
* client order ids are derived from (bot, bar, stock, side) or (bot, position, shares left), so a repeated
  decision is the same order to the gateway's journal, never a second one;
* after a (re)start each bot is reconciled with the account before it trades: fewer shares in the account
  than the bots hold halts the bot, with the reason on /auto;
* the account HALTED (kill switch, daily loss limit) halts its bots; only a start resumes them.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from trading import metrics
from trading.bots.bars import BarBuilder, BarHistory, bucket_start
from trading.bots.config import BotConfig
from trading.bots.decide import Signal, decide, decide_panel
from trading.bots.exits import EXIT_TEXT, exit_reason, mark
from trading.bots.ports import AccountPort, LiveFeed
from trading.bots.sizing import entry_shares
from trading.bots.store import BotOrder, BotPosition, BotRecord, BotStatus, BotStore, Decision
from trading.brokers.errors import REASON_TEXT, BrokerError, OrderPending, OrderRejected, Reason
from trading.domain import Order, OrderRequest, OrderStatus, OrderType, Side, Tick
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.strategies.base import Strategy
from trading.strategies.registry import get_strategy
from trading.timeconv import naive_kst

log = logging.getLogger(__name__)
Universe = Callable[[BotRecord], list[str]]


@dataclass(frozen=True)
class RunnerOptions:
    refresh_s: float = 1.0  # re-read the bots (start, pause, stop, edits)
    universe_s: float = 30.0  # re-resolve universes (TOP N, screens)
    sync_s: float = 0.2  # follow open orders to their fills
    heartbeat_s: float = 2.0
    stale_check_s: float = 1.0
    lookback: int = 300  # bars the strategy sees


@dataclass
class RunnerStats:
    """What the runner measured (``bench/auto.py`` prints these)."""

    bar_to_order_ms: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    stop_to_order_ms: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    evaluations: int = 0
    claims_lost: int = 0  # another evaluation had the bar already
    bars_skipped: int = 0  # closed bars not evaluated because a later one closed in the same pulse
    eval_cpu_ms: dict[int, float] = field(default_factory=dict)  # per bot, total
    orders: int = 0


@dataclass(slots=True)
class _Planned:
    bot: BotRecord
    order: BotOrder
    request: OrderRequest
    started: float  # wall time the decision's clock started (bar close or triggering tick)
    kind: str  # "bar" | "stop"
    signal: Signal | None = None


def _t(key: str) -> tuple[str, str]:
    return EXIT_TEXT.get(key, (key, key))


class BotRunner:
    def __init__(
        self,
        store: BotStore,
        gateway: Any,  # trading.orders.gateway.OrderGateway (LocalGateway: place_many)
        port: AccountPort,
        feed: LiveFeed,
        universe: Universe,
        options: RunnerOptions | None = None,
        wall: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.gateway = gateway
        self.port = port
        self.feed = feed
        self.universe = universe
        self.options = options or RunnerOptions()
        self.wall = wall
        self.stats = RunnerStats()
        self.bots: dict[int, BotRecord] = {}
        self.universes: dict[int, list[str]] = {}
        self.positions: dict[int, dict[str, BotPosition]] = {}
        self.open: dict[str, BotOrder] = {}
        self._exit_on_fill: dict[tuple[int, str], datetime] = {}  # a sell signal came before the entry filled
        self._enter_on_fill: dict[
            tuple[int, str], tuple[datetime, Signal, int]
        ] = {}  # a buy before the exit filled
        self._signals: dict[str, Signal] = {}  # client order id → the entry's signal (its stop/target/hold)
        self._trade_pnl: dict[tuple[int, str], int] = {}
        self.builders: dict[int, BarBuilder] = {}
        self._builders: tuple[BarBuilder, ...] = ()
        self.histories: dict[int, BarHistory] = {}
        self.last_tick: dict[str, float] = {}
        self.last_price: dict[str, int] = {}
        self._watched: frozenset[str] = frozenset()
        self._watch_since: dict[str, float] = {}
        self._held: frozenset[str] = frozenset()
        self._ready: set[int] = set()
        self._stale: dict[tuple[int, str], str] = {}  # (bot, code) → "alert" | "exit"
        self._strategies: dict[str, Strategy] = {}
        self._queue: queue.SimpleQueue[tuple] = queue.SimpleQueue()  # pulses
        self._prices: queue.SimpleQueue[tuple[str, int, float]] = queue.SimpleQueue()  # held stocks' ticks
        self._lock = threading.RLock()  # the bots' state: positions, open orders, the log buffer
        self._exit_thread: threading.Thread | None = None
        self._timers: dict[str, float] = {}
        self._log_buffer: list[Decision] = []
        self._dirty: set[tuple[int, str]] = set()  # positions whose marks (high, bars held) wait for a write
        # positions (None: deleted) and orders changed since the last write (``_write``: one transaction)
        self._staged_positions: dict[tuple[int, str], BotPosition | None] = {}
        self._staged_orders: dict[str, BotOrder] = {}
        self._staged_states: dict[int, tuple[int, dict[str, Any]]] = {}  # bot → (loss streak, state)
        self._universe_at: dict[int, float] = {}
        self._daily_done: date | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------------

    def attach(self) -> BotRunner:
        """Listen to the feed's pulses without a thread of its own (``process`` is then called by hand:
        tests and replays drive the market and the runner step by step)."""
        self.feed.on_pulse(self._on_pulse)
        return self

    def start(self) -> BotRunner:
        self.attach()
        self._thread = threading.Thread(target=self._loop, name="bot-runner", daemon=True)
        self._thread.start()
        self._exit_thread = threading.Thread(target=self._exit_loop, name="bot-exits", daemon=True)
        self._exit_thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        for t in (self._thread, self._exit_thread):
            if t is not None:
                t.join(timeout=10)
        self._thread = self._exit_thread = None
        with self._lock:
            self._flush()

    def _exit_loop(self) -> None:
        """Exits on their own thread: a stop never waits for a bar's evaluation."""
        while not self._stop.is_set():
            try:
                self._drain_prices(0.05)
            except Exception:  # noqa: BLE001 - as the runner's loop
                log.exception("bot exit round failed")
                self._stop.wait(1.0)

    def _drain_prices(self, block_s: float) -> None:
        prices: dict[str, tuple[int, float]] = {}
        try:
            ev = self._prices.get(timeout=block_s) if block_s > 0 else self._prices.get_nowait()
            while True:
                first = prices.get(ev[0])
                prices[ev[0]] = (ev[1], first[1] if first else ev[2])
                ev = self._prices.get_nowait()
        except queue.Empty:
            pass
        if prices:
            self._check_exits(prices)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.process(0.05)
            except Exception:  # noqa: BLE001 - a database outage must not end the runner; next round retries
                log.exception("bot runner round failed")
                self._stop.wait(1.0)

    # --- the feed's thread -----------------------------------------------------------------------

    def _on_tick(self, tick: Tick) -> None:
        now = self.wall()
        for b in self._builders:  # a tuple the runner thread replaces, never mutates
            b.add(tick)
        self.last_tick[tick.code] = now
        self.last_price[tick.code] = tick.price
        if tick.code in self._held:
            self._prices.put((tick.code, tick.price, now))

    def _on_pulse(self) -> None:
        self._queue.put(("pulse", self.feed.now(), self.wall()))

    # --- the runner's thread ---------------------------------------------------------------------

    def process(self, block_s: float = 0.0) -> None:
        """Handle what the feed queued (waiting up to ``block_s`` for the first event), then the timers.
        Without the exit thread (``attach`` only) the price events are handled here too."""
        events: list[tuple] = []
        try:
            events.append(self._queue.get(timeout=block_s) if block_s > 0 else self._queue.get_nowait())
            while True:
                events.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        with self._lock:
            if self._due("refresh", self.options.refresh_s):
                self.refresh()
            if self._due("sync", self.options.sync_s):
                self.sync_orders()
        if self._exit_thread is None:
            self._drain_prices(0.0)
        pulse: tuple[datetime, float] | None = None
        for ev in events:
            pulse = (ev[1], ev[2]) if pulse is None else (ev[1], pulse[1])
        if pulse is not None:
            self._on_time(*pulse)
        with self._lock:
            if self._due("stale", self.options.stale_check_s):
                self._check_stale()
            if self._due("heartbeat", self.options.heartbeat_s):
                self._heartbeat()
            self._flush()

    def _due(self, name: str, every: float) -> bool:
        now = self.wall()
        if now - self._timers.get(name, -1e18) >= every:
            self._timers[name] = now
            return True
        return False

    # --- bots, universes, reconciliation ---------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the bots; reconcile new ones; follow the accounts' halts; watch the right stocks."""
        bots = {b.id: b for b in self.store.active_bots()}
        for bot_id in set(self.bots) - set(bots):
            self._ready.discard(bot_id)
            self.positions.pop(bot_id, None)
            self._universe_at.pop(bot_id, None)
        halted: dict[str, str | None] = {}
        for bot in list(bots.values()):
            if bot.account not in halted:
                halted[bot.account] = self.port.halted(bot.account)
            if halted[bot.account] is not None:
                reason = f"계좌 거래 정지 / account halted: {halted[bot.account]}"
                self._halt(bot, reason, Reason.HALTED.value)
                del bots[bot.id]
        self.bots = bots
        now = self.wall()
        for bot in bots.values():
            if bot.id not in self.positions:
                self.positions[bot.id] = {p.code: p for p in self.store.positions(bot.id)}
            if now - self._universe_at.get(bot.id, -1e18) >= self.options.universe_s:
                self._universe_at[bot.id] = now
                try:
                    self.universes[bot.id] = list(self.universe(bot))
                except Exception as err:  # noqa: BLE001 - a bad screen or an empty report: logged on the bot
                    log.warning("bot %s: universe failed: %s", bot.id, err)
                    self.universes.setdefault(bot.id, [])
        for bot in list(bots.values()):
            if bot.id not in self._ready:
                self._reconcile(bot)
        self._rewatch()

    def _rewatch(self) -> None:
        minutes = {b.config.bar_minutes for b in self.bots.values()} - {0}
        for m in minutes - set(self.builders):
            self.builders[m] = BarBuilder(m)
            self.histories[m] = BarHistory(self.options.lookback)
        for m in set(self.builders) - minutes:
            del self.builders[m]
            del self.histories[m]
        self._builders = tuple(self.builders.values())
        if any(b.config.bar_minutes == 0 for b in self.bots.values()) and 0 not in self.histories:
            self.histories[0] = BarHistory(self.options.lookback)
        held = frozenset(c for pos in self.positions.values() for c in pos)
        codes = frozenset(c for bot_id in self.bots for c in self.universes.get(bot_id, ())) | held
        self._held = held
        if codes != self._watched:
            now = self.wall()
            for c in codes - self._watched:
                self._watch_since[c] = now
            self.feed.watch(codes, self._on_tick)
            self._watched = codes
            for b in self.builders.values():
                b.forget(set(codes))
        for m, hist in self.histories.items():
            users = [b for b in self.bots.values() if b.config.bar_minutes == m]
            want = {c for b in users for c in self.universes.get(b.id, ())} | {
                c for b in users for c in self.positions.get(b.id, {})
            }
            for code in want:
                if not hist.has(code):
                    self._seed(m, code)
            hist.drop(want)

    def _seed(self, minutes: int, code: str) -> None:
        """Today's bars so far from the market; the one still forming primes the tick builder."""
        bars = self.port.history(code, minutes)
        if minutes == 0:
            self.histories[0].seed(code, bars)
            return
        now, span = self.feed.now(), timedelta(minutes=minutes)
        closed = [b for b in bars if b.time + span <= now]
        self.histories[minutes].seed(code, closed)
        forming = [b for b in bars if b.time + span > now]
        if forming:
            self.builders[minutes].prime(forming[-1])

    def _reconcile(self, bot: BotRecord) -> None:
        """Before a bot trades (after a start or a restart): settle its orders, then check that the account
        holds at least what the bots on it hold."""
        self.sync_orders()
        holdings = self.port.holdings(bot.account)
        expected: dict[str, int] = {}
        for other in self.bots.values():
            if other.account == bot.account:
                for code, pos in self.positions.get(other.id, {}).items():
                    expected[code] = expected.get(code, 0) + pos.qty
        mine = self.positions.get(bot.id, {})
        short = [(c, holdings.get(c, 0), expected[c]) for c in mine if holdings.get(c, 0) < expected[c]]
        if short:
            code, have, want = short[0]
            ko = f"계좌와 대조 불일치: {code} 계좌 {have:,}주 < 봇 기록 {want:,}주"
            en = f"reconcile mismatch: {code} account holds {have:,} < the bots' {want:,}"
            self._halt(self.bots[bot.id], f"{ko} / {en}", "RECONCILE")
            del self.bots[bot.id]
            return
        self.store.mark_reconciled(bot.id)
        n = len(mine)
        self._log(bot, "state", f"계좌와 대조 완료(보유 {n}종목 일치), 거래 시작",
                  f"reconciled with the account ({n} positions match); trading", None)  # fmt: skip
        self._ready.add(bot.id)

    def _halt(self, bot: BotRecord, reason: str, code: str) -> None:
        self.store.set_status(bot.id, BotStatus.HALTED, reason, "runner")
        self._log(bot, "state", f"봇 정지(HALTED): {reason}", f"bot HALTED: {reason}", None, code)
        self._ready.discard(bot.id)
        log.warning("bot %s HALTED: %s", bot.id, reason)

    # --- bars ------------------------------------------------------------------------------------

    def _on_time(self, now: datetime, wall_at: float) -> None:
        with self._lock:
            if self.open:
                self.sync_orders()  # decide on the fills so far (an exit filled since the last bar)
        for m, builder in list(self.builders.items()):
            closed = builder.close_until(now)
            if not closed:
                continue
            hist = self.histories[m]
            for bar in closed:
                hist.append(bar)
            times = sorted({b.time for b in closed})
            self.stats.bars_skipped += len(times) - 1
            self._evaluate(m, times[-1], wall_at)
        if 0 in self.histories and self.feed.is_open() and self._daily_done != now.date():
            self._daily_done = now.date()
            self._evaluate_daily(now)

    def _evaluate_daily(self, now: datetime) -> None:
        """Daily bots decide once a session, at its start, on the bars up to the last session (the backtest's
        next-open fill)."""
        hist = self.histories[0]
        for code in list(self._watched):
            hist.seed(code, self.port.history(code, 0))
        last = max((b.time for c in self._watched if (b := hist.last(c)) is not None), default=None)
        if last is not None:
            self._evaluate(0, last, self.wall())

    def _strategy(self, name: str) -> Strategy:
        s = self._strategies.get(name)
        if s is None:
            s = self._strategies[name] = get_strategy(name)
        return s

    def _evaluate(self, minutes: int, bar_time: datetime, wall_at: float) -> None:
        hist = self.histories[minutes]
        planned: list[_Planned] = []
        with self._lock:
            due = [b for b in self.bots.values() if b.config.bar_minutes == minutes and b.id in self._ready]
            codes = {b.id: list(dict.fromkeys([*self.universes.get(b.id, ()), *self.positions.get(b.id, {})]))
                     for b in due}  # fmt: skip
        won = self.store.claim_evaluations([(b.id, bar_time, b.mode) for b in due])
        self.stats.claims_lost += len(due) - len(won)
        finished: list[tuple[int, datetime, int, int, float]] = []
        evaluated = [b for b in due if b.id in won]
        memo: dict[tuple, Signal | Exception] = {}  # bots with the same strategy and params share a stock's
        shared_ms = self._decide_panels(evaluated, codes, hist, bar_time, memo)
        for bot in evaluated:
            t0 = time.thread_time()
            sigs = self._signals_for(
                bot, hist, bar_time, codes[bot.id], memo
            )  # no lock: exits go on meanwhile
            with self._lock:
                signals = self._evaluate_bot(bot, hist, bar_time, wall_at, planned, sigs)
            ms = (time.thread_time() - t0) * 1000 + shared_ms.get(bot.id, 0.0)
            self.stats.evaluations += 1
            metrics.BOT_EVALUATIONS.labels(str(minutes or "day")).inc()
            metrics.BOT_EVAL_SECONDS.observe(ms / 1000)
            self.stats.eval_cpu_ms[bot.id] = self.stats.eval_cpu_ms.get(bot.id, 0.0) + ms
            finished.append((bot.id, bar_time, len(codes[bot.id]), signals, ms))
        self._send(planned)
        self.store.finish_evaluations(finished)

    def _signals_for(self, bot: BotRecord, hist: BarHistory, bar_time: datetime, codes: list[str],
                     memo: dict[tuple, Signal | Exception]) -> dict[str, Signal | Exception]:  # fmt: skip
        """The strategy's decision for each stock with a bar at ``bar_time`` (a strategy's error is kept as
        the value, for the bot's log)."""
        cfg = bot.config
        strat = self._strategy(cfg.strategy)
        key = self._memo_key(bot)
        out: dict[str, Signal | Exception] = {}
        for code in codes:
            last = hist.last(code)
            if last is None or last.time != bar_time:
                continue  # no bar for this stock in this period (no trades): nothing to decide
            got = memo.get((*key, code, bar_time))
            if got is None:
                got = memo[(*key, code, bar_time)] = self._decide_one(strat, cfg.params, hist.frame(code))
            out[code] = got
        return out

    @staticmethod
    def _memo_key(bot: BotRecord) -> tuple[str, tuple]:
        cfg = bot.config
        return cfg.strategy, tuple(sorted((k, repr(v)) for k, v in cfg.params.items()))

    def _decide_panels(self, bots: list[BotRecord], codes: dict[int, list[str]], hist: BarHistory,
                       bar_time: datetime, memo: dict[tuple, Signal | Exception]) -> dict[int, float]:  # fmt: skip
        """One panel call per strategy and params for all the stocks of the bots using them (into
        ``memo``); returns each bot's share of that CPU time in ms."""
        groups: dict[tuple, list[BotRecord]] = {}
        for bot in bots:
            groups.setdefault(self._memo_key(bot), []).append(bot)
        shared: dict[int, float] = {}
        for members in groups.values():
            t0 = time.thread_time()
            union = list(dict.fromkeys(c for b in members for c in codes[b.id]))
            self._decide_panel(members[0], hist, bar_time, union, memo)
            ms = (time.thread_time() - t0) * 1000 / len(members)
            shared.update(dict.fromkeys((b.id for b in members), ms))
        return shared

    def _decide_panel(self, bot: BotRecord, hist: BarHistory, bar_time: datetime, codes: list[str],
                      memo: dict[tuple, Signal | Exception]) -> None:  # fmt: skip
        """Decide for ``codes`` (those with a bar at ``bar_time``) with ``bot``'s strategy and params in one
        call of a panel strategy, into ``memo``; other strategies decide per stock in ``_signals_for``."""
        strat = self._strategy(bot.config.strategy)
        todo = [c for c in codes if (last := hist.last(c)) is not None and last.time == bar_time]
        if not strat.panel or len(todo) < 2:
            return
        key = self._memo_key(bot)
        wide, lengths = hist.wide(todo)
        try:
            fresh: dict[str, Signal | Exception] = dict(decide_panel(strat, bot.config.params, wide, lengths))
        except Exception as err:  # noqa: BLE001 - a strategy's bug is the bot's problem, shown on its log
            fresh = dict.fromkeys(todo, err)
        for code, got in fresh.items():
            memo[(*key, code, bar_time)] = got

    @staticmethod
    def _decide_one(strat: Strategy, params: dict, frame: pd.DataFrame | None) -> Signal | Exception:
        try:
            return decide(strat, params, frame) if frame is not None else Signal(None, 0, 0)
        except Exception as err:  # noqa: BLE001 - a strategy's bug is the bot's problem, shown on its log
            return err

    def _evaluate_bot(self, bot: BotRecord, hist: BarHistory, bar_time: datetime, wall_at: float,
                      planned: list[_Planned], sigs: dict[str, Signal | Exception]) -> int:  # fmt: skip
        """Act on the bar's signals (under the lock): time exits, signal exits, entries within the limits."""
        cfg = bot.config
        positions = self.positions.setdefault(bot.id, {})
        signals = 0
        entries = sum(1 for o in self.open.values() if o.bot_id == bot.id and o.side == "buy")
        for code, sig in sigs.items():
            last = hist.last(code)
            if last is None:
                continue
            pos = positions.get(code)
            if pos is not None and pos.entry_bar is not None and bar_time >= pos.entry_bar:
                pos.bars_held += 1
                hold = pos.hold_bars or cfg.exits.time_exit_bars
                if hold and pos.bars_held >= hold and not pos.exiting:
                    planned.append(self._exit(bot, pos, "time", last.close, wall_at, "bar", bar_time))
                    continue
                self._dirty.add((bot.id, code))
            if isinstance(sig, Exception):
                self._log(bot, "denied", f"전략 오류: {sig}", f"strategy error: {sig}", code, "STRATEGY")
                continue
            if sig.action is None:
                continue
            signals += 1
            price = last.close
            pending = {o.side for o in self.open.values() if o.bot_id == bot.id and o.code == code}
            if sig.action == "sell":
                if pos is not None and not pos.exiting:
                    self._log(bot, "signal", f"매도 신호 {price:,}원", f"sell signal at {price:,}", code)
                    planned.append(self._exit(bot, pos, "signal", price, wall_at, "bar", bar_time))
                elif "buy" in pending:  # the entry is not filled yet: sell what it buys as soon as it fills
                    self._exit_on_fill[(bot.id, code)] = bar_time
                    self._log(bot, "signal", f"매도 신호 {price:,}원 (매수 체결 후 매도)",
                              f"sell signal at {price:,} (sells once the entry fills)", code)  # fmt: skip
                continue
            if pos is not None or "buy" in pending:
                continue
            self._log(bot, "signal", f"매수 신호 {price:,}원", f"buy signal at {price:,}", code)
            if bot.status is BotStatus.PAUSED:
                self._log(
                    bot,
                    "skip",
                    "일시정지 중이라 새로 매수하지 않습니다",
                    "paused: no new entry",
                    code,
                    "PAUSED",
                )
                continue
            if "sell" in pending:  # the last exit is not filled yet: enter once it is (as the backtest would)
                self._enter_on_fill[(bot.id, code)] = (bar_time, sig, price)
                continue
            p = self._entry(bot, code, bar_time, price, sig, wall_at, len(positions) + entries)
            if p is not None:
                planned.append(p)
                entries += 1
        return signals

    def _entry(self, bot: BotRecord, code: str, bar_time: datetime, price: int, sig: Signal, wall_at: float,
               holding: int) -> _Planned | None:  # fmt: skip
        """The entry order for a buy signal, or None (the denial is logged): the bot's limits, then sizing."""
        denial = self._entry_denial(bot, code, bar_time, holding)
        if denial is not None:
            ko, en = REASON_TEXT[denial]
            self._log(bot, "denied", ko, en, code, denial.value)
            return None
        cfg = bot.config
        equity = self.port.equity(bot.account) if cfg.sizing.kind != "fixed" else 0
        hist = self.histories.get(cfg.bar_minutes)
        qty = entry_shares(cfg.sizing, price, equity, hist.frame(code) if hist is not None else None)
        if qty < 1:
            self._log(bot, "denied", f"투자 금액이 1주 가격({price:,}원)보다 작습니다",
                      f"the entry budget is below one share ({price:,})", code, Reason.BAD_QTY.value)  # fmt: skip
            return None
        cid = f"b{bot.id}-{bar_time:%y%m%d%H%M}-{code}-b"
        order = BotOrder(bot.id, bot.version, cid, bot.account, code, "buy", qty, "entry", bar_time, price)
        return _Planned(bot, order, OrderRequest(code, Side.BUY, qty, OrderType.MARKET, None, cid), wall_at, "bar",
                        sig)  # fmt: skip

    def _entry_denial(self, bot: BotRecord, code: str, bar_time: datetime, holding: int) -> Reason | None:
        lim = bot.config.limits
        if holding >= lim.max_positions:
            return Reason.BOT_MAX_POSITIONS
        until = (bot.state.get("cooldowns") or {}).get(code)
        if until and naive_kst(bar_time) < naive_kst(datetime.fromisoformat(until)):
            return Reason.BOT_COOLDOWN
        return None

    def _exit(self, bot: BotRecord, pos: BotPosition, purpose: str, price: int, started: float,
              kind: str, bar_time: datetime | None = None) -> _Planned:  # fmt: skip
        cid = f"b{bot.id}-x{pos.entry_time:%y%m%d%H%M%S}-{pos.code}-{pos.qty}"
        pos.exiting = cid
        order = BotOrder(
            bot.id, bot.version, cid, bot.account, pos.code, "sell", pos.qty, purpose, bar_time, price
        )
        ko, en = _t(purpose)
        g = (price / pos.avg_price - 1) * 100 if pos.avg_price else 0.0
        self._log(
            bot, "exit", f"{ko}: {price:,}원 ({g:+.2f}%)", f"{en}: {price:,} ({g:+.2f}%)", pos.code, purpose
        )
        return _Planned(bot, order, OrderRequest(pos.code, Side.SELL, pos.qty, OrderType.MARKET, None, cid),
                        started, kind)  # fmt: skip

    # --- exits on ticks --------------------------------------------------------------------------

    def _check_exits(self, prices: dict[str, tuple[int, float]]) -> None:
        planned: list[_Planned] = []
        with self._lock:
            for bot in self.bots.values():
                if bot.id not in self._ready:
                    continue
                ex = bot.config.exits
                for code, pos in self.positions.get(bot.id, {}).items():
                    got = prices.get(code)
                    if got is None or pos.exiting:
                        continue
                    price, seen = got
                    changed = mark(pos, ex, price)
                    why = exit_reason(pos, ex, price)
                    if why is not None:
                        planned.append(self._exit(bot, pos, why, price, seen, "stop"))
                    elif changed:
                        self._dirty.add((bot.id, code))
        self._send(planned)

    def _check_stale(self) -> None:
        """A held stock without ticks: an alert, then (by the bot's policy) a market exit."""
        if not self.feed.is_open():
            return
        now = self.wall()
        planned: list[_Planned] = []
        for bot in self.bots.values():
            pol = bot.config.stale
            for code, pos in self.positions.get(bot.id, {}).items():
                age = now - self.last_tick.get(code, self._watch_since.get(code, now))
                key = (bot.id, code)
                if age < pol.alert_after_s:
                    self._stale.pop(key, None)
                    continue
                if key not in self._stale:
                    self._stale[key] = "alert"
                    self._log(bot, "alert", f"시세 끊김 {age:.0f}초: 손절 감시가 멈췄습니다",
                              f"feed stale for {age:.0f} s: stops are blind", code, "STALE_FEED")  # fmt: skip
                if (pol.exit_after_s is not None and age >= pol.exit_after_s and self._stale[key] == "alert"
                        and not pos.exiting and bot.id in self._ready):  # fmt: skip
                    self._stale[key] = "exit"
                    price = self.last_price.get(code, int(pos.avg_price))
                    planned.append(self._exit(bot, pos, "stale", price, now, "stale"))
        self._send(planned)

    # --- sending and following orders ------------------------------------------------------------

    def _ctx(self, bot: BotRecord) -> OrderContext:
        try:
            role = Role(bot.role)
        except ValueError:
            role = Role.VIEWER
        return OrderContext(Actor(bot.username, role), bot.account, EntryPoint.BOT)

    def _send(self, planned: list[_Planned]) -> None:
        """Journal the bot orders, place them through the gateway (outside the lock, so the other thread
        goes on), record the outcomes."""
        if not planned:
            return
        with self._lock:
            items, todo = self._prepare(planned)
        if not todo:
            return
        if hasattr(self.gateway, "place_many"):
            results = self.gateway.place_many(items)
        else:
            results = [self._place_one(req, ctx) for req, ctx in items]
        done = self.wall()
        with self._lock:
            for p, res in zip(todo, results, strict=True):
                self._outcome(p, res, done)
            self._write()

    def _prepare(
        self, planned: list[_Planned]
    ) -> tuple[list[tuple[OrderRequest, OrderContext]], list[_Planned]]:
        halted = {a: self.port.halted(a) for a in {p.bot.account for p in planned if p.order.side == "buy"}}
        for account, why in halted.items():
            if why is not None:  # the kill switch or the loss limit since the last refresh: no new entry
                for bot in [b for b in self.bots.values() if b.account == account]:
                    self._halt(bot, f"계좌 거래 정지 / account halted: {why}", Reason.HALTED.value)
                    self.bots.pop(bot.id, None)
        planned = [p for p in planned if p.order.side != "buy" or halted.get(p.bot.account) is None]
        now = self.feed.now()
        for p in planned:
            p.order.created_at = now  # the market's time (the demo clock in the demo market), as the log's
        added = self.store.add_orders([p.order for p in planned])  # an id seen before: already sent
        todo = []
        for p in planned:
            if p.order.client_order_id in added:
                added.discard(p.order.client_order_id)
                todo.append(p)
        items = []
        for p in todo:
            ctx = self._ctx(p.bot)
            if p.bot.mode == "real":
                # promoted with an explicit confirmation; the gateway still wants its one-time token (a
                # denial here is met again, and recorded, by place() below)
                with contextlib.suppress(BrokerError):
                    ctx = ctx.confirmed(self.gateway.prepare(p.request, ctx).token)
            items.append((p.request, ctx))
        return items, todo

    def _place_one(self, req: OrderRequest, ctx: OrderContext) -> Order | BrokerError:
        try:
            return self.gateway.place(req, ctx)
        except BrokerError as err:
            return err

    def _outcome(self, p: _Planned, res: Order | BrokerError, done: float) -> None:
        o, bot = p.order, p.bot
        side_ko = "매수" if o.side == "buy" else "매도"
        if isinstance(res, Order):
            o.order_id, o.state = res.order_id, "open"
            self.stats.orders += 1
            (self.stats.bar_to_order_ms if p.kind == "bar" else self.stats.stop_to_order_ms).append(
                (done - p.started) * 1000
            )
            self._log(bot, "order", f"{side_ko} 주문 {o.qty:,}주 접수 (시장가)",
                      f"{o.side} {o.qty:,} accepted (market)", o.code, o.purpose,
                      {"order_id": res.order_id, "client_order_id": o.client_order_id, "version": o.version})  # fmt: skip
            self.open[o.client_order_id] = o
            if p.signal is not None:
                self._signals[o.client_order_id] = p.signal
        elif isinstance(res, OrderPending):
            o.state = "unknown"
            self.open[o.client_order_id] = o
            self._log(bot, "order", f"{side_ko} 주문 결과 확인 중", f"{o.side} order outcome unknown: reconciling",
                      o.code, "PENDING")  # fmt: skip
        else:
            reason = res.reason.value if isinstance(res, OrderRejected) else type(res).__name__
            o.state, o.reason = "rejected", reason[:24]
            self._log(bot, "denied", f"{side_ko} 주문 거부: {res.message_ko}", f"{o.side} denied: {res.message_en}",
                      o.code, reason[:24])  # fmt: skip
            self._release(bot, o)
        self._staged_orders[o.client_order_id] = o

    def _release(self, bot: BotRecord, o: BotOrder) -> None:
        """An exit that did not go through: the position may try again."""
        pos = self.positions.get(bot.id, {}).get(o.code)
        if pos is not None and pos.exiting == o.client_order_id:
            pos.exiting = None
            self._staged_positions[(pos.bot_id, pos.code)] = pos

    def sync_orders(self) -> None:
        """Follow open bot orders to their fills (and unknown outcomes to the journal's answer)."""
        if not self.open:
            for o in self.store.open_orders():
                self.open.setdefault(o.client_order_id, o)
        for cid, o in list(self.open.items()):
            order = self._lookup(o)
            if order is None:
                continue
            delta, amount = order.filled_qty - o.filled_qty, order.filled_amount - o.filled_amount
            if delta > 0:
                o.filled_qty, o.filled_amount = order.filled_qty, order.filled_amount
                self._filled(o, delta, amount)
            o.order_id = order.order_id
            if not order.status.is_active:
                o.state = "filled" if o.filled_qty >= o.qty else "done"
                del self.open[cid]
                self._signals.pop(cid, None)
                bot = self.bots.get(o.bot_id)
                if o.side == "sell" and bot is not None:
                    self._release(bot, o)
                wanted = self._enter_on_fill.pop((o.bot_id, o.code), None)
                if o.side == "sell" and wanted is not None and bot is not None:
                    self._enter_after_exit(bot, o.code, wanted)
                flagged = self._exit_on_fill.pop((o.bot_id, o.code), None)
                pos = self.positions.get(o.bot_id, {}).get(o.code)
                if o.side == "buy" and flagged is not None and bot is not None and pos is not None:
                    self._send([self._exit(bot, pos, "signal", order.filled_amount // max(order.filled_qty, 1),
                                           self.wall(), "bar", flagged)])  # fmt: skip
                if order.status is OrderStatus.REJECTED:
                    o.state, o.reason = "rejected", (order.reject_code or "BROKER")[:24]
            elif o.state != "open":
                o.state = "open"
            self._staged_orders[o.client_order_id] = o
        self._write()

    def _enter_after_exit(self, bot: BotRecord, code: str, wanted: tuple[datetime, Signal, int]) -> None:
        """A buy signal came while the last exit was still open; it is filled now: enter (the backtest's
        position would be long from the signal's next bar)."""
        if bot.status is not BotStatus.RUNNING or code in self.positions.get(bot.id, {}):
            return
        entry = self._entry(
            bot, code, wanted[0], wanted[2], wanted[1], self.wall(), len(self.positions.get(bot.id, {}))
        )
        if entry is not None:
            self._send([entry])

    def _lookup(self, o: BotOrder) -> Order | None:
        if o.order_id:
            return self.port.order(o.account, o.order_id)
        bot = self.bots.get(o.bot_id)
        if bot is None:
            return None
        try:
            st = self.gateway.status(self._ctx(bot), o.client_order_id)
        except BrokerError:
            return None
        if st is None or st.state in ("rejected", "failed", "lost"):
            if st is not None:
                o.state, o.reason = "rejected", (st.reason or st.state)[:24]
                self.open.pop(o.client_order_id, None)
                self._staged_orders[o.client_order_id] = o
                self._release(bot, o)
            return None
        return st.order

    def _filled(self, o: BotOrder, delta: int, amount: int) -> None:
        bot = self.bots.get(o.bot_id)
        positions = self.positions.setdefault(o.bot_id, {})
        pos = positions.get(o.code)
        price = amount // delta if delta else 0
        now = self.feed.now()
        if o.side == "buy":
            if pos is None:
                sig = self._signals.get(o.client_order_id)
                minutes = bot.config.bar_minutes if bot else 1
                entry_bar = bucket_start(now, minutes) if minutes else now.replace(hour=0, minute=0, second=0,
                                                                                   microsecond=0)  # fmt: skip
                pos = BotPosition(o.bot_id, o.code, o.version, 0, 0, now, entry_bar, 0, price,
                                  sl_pct=sig.sl_pct if sig else None, tp_pct=sig.tp_pct if sig else None,
                                  hold_bars=sig.hold if sig else None)  # fmt: skip
                positions[o.code] = pos
            pos.qty += delta
            pos.cost += amount
            pos.high_price = max(pos.high_price, price)
            self._staged_positions[(pos.bot_id, pos.code)] = pos
        elif pos is not None:
            removed = round(pos.avg_price * delta)
            key = (o.bot_id, o.code)
            self._trade_pnl[key] = self._trade_pnl.get(key, 0) + amount - removed
            pos.qty -= delta
            pos.cost -= removed
            if pos.qty <= 0:
                del positions[o.code]
                self._staged_positions[(o.bot_id, o.code)] = None
                self._closed(o, self._trade_pnl.pop(key, 0))
            else:
                self._staged_positions[(pos.bot_id, pos.code)] = pos
        self._held = frozenset(c for ps in self.positions.values() for c in ps)
        if bot is not None:
            side_ko = "매수" if o.side == "buy" else "매도"
            self._log(bot, "fill", f"{side_ko} 체결 {delta:,}주 @ {price:,}원", f"{o.side} filled {delta:,} @ {price:,}",
                      o.code, o.purpose, {"client_order_id": o.client_order_id, "amount": amount})  # fmt: skip

    def _closed(self, o: BotOrder, pnl: int) -> None:
        """A position ended: the loss streak, a cooldown after a stop-loss."""
        bot = self.bots.get(o.bot_id)
        if bot is None:
            return
        streak = bot.loss_streak + 1 if pnl < 0 else 0
        state = dict(bot.state)
        cfg: BotConfig = bot.config
        if o.purpose == "stop_loss" and cfg.limits.cooldown_bars > 0:
            minutes = cfg.bar_minutes or 24 * 60
            start = bucket_start(self.feed.now(), minutes) if cfg.bar_minutes else self.feed.now()
            until = start + timedelta(minutes=minutes * (cfg.limits.cooldown_bars + 1))
            state["cooldowns"] = {**(state.get("cooldowns") or {}), o.code: until.isoformat()}
        self._staged_states[bot.id] = (streak, state)
        bot = self.bots[bot.id] = replace(bot, loss_streak=streak, state=state)
        self._log(bot, "state", f"거래 종료 손익 {pnl:+,}원 (연속 손실 {streak})",
                  f"trade closed, P&L {pnl:+,} (losses in a row: {streak})", o.code, None, {"pnl": pnl})  # fmt: skip
        limit = cfg.limits.max_consecutive_losses
        if limit is not None and streak >= limit:
            ko, en = REASON_TEXT[Reason.BOT_LOSS_STREAK]
            self._halt(bot, f"{ko} ({streak}) / {en}", Reason.BOT_LOSS_STREAK.value)
            self.bots.pop(bot.id, None)

    # --- health ----------------------------------------------------------------------------------

    def feed_age(self, bot_id: int) -> float | None:
        """Seconds since the last tick of the bot's held stocks (the oldest), else of its universe (the newest)."""
        now = self.wall()
        held = list(self.positions.get(bot_id, {}))
        if held:
            return max(now - self.last_tick.get(c, self._watch_since.get(c, now)) for c in held)
        ages = [now - self.last_tick[c] for c in self.universes.get(bot_id, ()) if c in self.last_tick]
        return min(ages) if ages else None

    def _heartbeat(self) -> None:
        for bot in self.bots.values():
            self.store.heartbeat(bot.id, None, self.feed_age(bot.id))

    def _log(self, bot: BotRecord, kind: str, ko: str, en: str, code: str | None, reason: str | None = None,
             data: dict[str, Any] | None = None) -> None:  # fmt: skip
        """Queue a decision-log line; ``_flush`` writes the round's lines in one transaction."""
        self._log_buffer.append(Decision(bot.id, self.feed.now(), kind, ko, en, code, reason, data))

    def _flush(self) -> None:
        lines, self._log_buffer = self._log_buffer, []
        if lines:
            try:
                self.store.log(lines)
            except Exception:  # noqa: BLE001 - the log must not stop a decision
                log.exception("decision log write failed (%d lines)", len(lines))
        dirty, self._dirty = self._dirty, set()
        for bot_id, code in dirty:
            pos = self.positions.get(bot_id, {}).get(code)
            if pos is not None:
                self._staged_positions[(pos.bot_id, pos.code)] = pos
        self._write()

    def _write(self) -> None:
        """Write the staged positions, order states and bot states in one transaction (kept for the next round if the
        database refuses)."""
        if not (self._staged_positions or self._staged_orders or self._staged_states):
            return
        positions, orders, states = self._staged_positions, self._staged_orders, self._staged_states
        self._staged_positions, self._staged_orders, self._staged_states = {}, {}, {}
        try:
            self.store.write_state(positions, list(orders.values()), states)
        except Exception:
            self._staged_positions = {**positions, **self._staged_positions}
            self._staged_orders = {**orders, **self._staged_orders}
            self._staged_states = {**states, **self._staged_states}
            raise
