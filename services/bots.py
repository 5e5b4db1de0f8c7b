"""Automatic trading wired into the account owner: the runner's feed (the paper market, or KIS/Kiwoom's
market-data service), its account reads, and the universes (codes, watchlist, report picks, TOP N,
sector TOP N, a screen).

``start_bot_runner(owner)`` runs in the process that owns the accounts: ``gslts run`` (embedded) or
``gslts market`` (full mode) — never in a web worker, a Celery worker or a CLI command.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from db.repositories import accounts as accounts_repo
from db.repositories import reports as reports_repo
from db.repositories.bars import SqlBarSource
from db.repositories.bots import SqlBotStore, halt_account_bots
from db.repositories.universe import watchlist_of
from trading.bots.runner import BotRunner, RunnerOptions
from trading.bots.store import BotRecord
from trading.domain import Bar, Order, Tick
from trading.krx.sessions import Phase
from trading.orders.risk import RiskState
from trading.timeconv import now_naive_kst

log = logging.getLogger(__name__)


class PaperFeed:
    """The in-process paper market as the runner's feed: its ticks, its steps, its (demo) clock."""

    def __init__(self, market: Any):  # trading.market.service.MarketService
        self.market = market
        self._sub: Any = None
        self._pulse: Any = None

    def now(self) -> datetime:
        """The time of the last step: every tick up to it has been delivered (the clock runs ahead)."""
        return getattr(self.market, "stepped_to", None) or self.market.clock.now()

    def is_open(self) -> bool:
        return self.market.clock.phase() is Phase.CONTINUOUS

    def watch(self, codes: frozenset[str], on_tick: Callable[[Tick], None]) -> None:
        old, self._sub = self._sub, self.market.subscribe("ticks", codes, on_tick)
        if old is not None:
            old.cancel()

    def on_pulse(self, callback: Callable[[], None]) -> None:
        self._pulse = self.market.on_step(callback)

    def close(self) -> None:
        for h in (self._sub, self._pulse):
            if h is not None:
                h.cancel()


class BrokerLiveFeed:
    """KIS/Kiwoom's market-data service as the runner's feed: its ticks per code, a 0.2 s pulse on the real
    clock (bars close ``grace_s`` after their end, so late ticks still count)."""

    def __init__(self, feed: Any, clock: Any, grace_s: float = 0.5):  # BrokerFeed, trading.market.clock.Clock
        self.feed = feed
        self.clock = clock
        self.grace = timedelta(seconds=grace_s)
        self._listeners: dict[str, Any] = {}
        self._stop = threading.Event()

    def now(self) -> datetime:
        return self.clock.now() - self.grace

    def is_open(self) -> bool:
        return self.clock.phase() is Phase.CONTINUOUS

    def watch(self, codes: frozenset[str], on_tick: Callable[[Tick], None]) -> None:
        def relay(event: object) -> None:
            if isinstance(event, Tick):
                on_tick(event)

        for code in set(self._listeners) - codes:
            self._listeners.pop(code).cancel()
        for code in codes - set(self._listeners):
            self.feed.watch(code)
            self._listeners[code] = self.feed.listen(code, relay)

    def on_pulse(self, callback: Callable[[], None]) -> None:
        def beat() -> None:
            while not self._stop.wait(0.2):
                callback()

        threading.Thread(target=beat, name="bot-pulse", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        for h in self._listeners.values():
            h.cancel()


class OwnerAccounts:
    """The runner's account reads, from the owner (paper views or the adapter) and the database."""

    def __init__(self, owner: Any):  # services.owner.Owner
        self.owner = owner
        self.engine: Engine = owner.engine
        self.bars = SqlBarSource(owner.engine)

    def order(self, account: str, order_id: str) -> Order | None:
        reader = self.owner.reader(account)
        get = getattr(reader, "get_order", None)
        if get is not None:
            return get(order_id)
        return next((o for o in reader.orders() if o.order_id == order_id), None)

    def holdings(self, account: str) -> dict[str, int]:
        return {p.code: p.qty for p in self.owner.reader(account).balance().positions if p.qty > 0}

    def equity(self, account: str) -> int:
        bal = self.owner.reader(account).balance()
        return bal.cash + sum(p.qty * p.price for p in bal.positions)

    def halted(self, account: str) -> str | None:
        row = accounts_repo.get_account(self.engine, account)
        if row is None:
            return None
        if row.risk.in_force(self._today()) is RiskState.HALTED:
            return row.risk.reason or "halted"
        return None

    def _today(self) -> date:
        market = self.owner.market
        return market.clock.session_date() if market is not None else now_naive_kst().date()

    def history(self, code: str, minutes: int) -> list[Bar]:
        if minutes == 0:
            end = self._today() - timedelta(days=1)
            return self.bars.daily_bars(code, end - timedelta(days=420), end)
        try:
            return list(self.market_data().intraday_bars(code, minutes))
        except Exception:  # noqa: BLE001 - a stock the feed does not serve yet: the runner builds from ticks
            return []

    def _now(self) -> datetime:
        market = self.owner.market
        if market is not None:
            return market.clock.now()
        from trading.market.clock import RealClock

        return RealClock().now()

    def market_data(self) -> Any:
        if self.owner.market is not None:
            from services.market_data import ServiceMarketData

            return ServiceMarketData(self.owner.market)
        return self.owner.reader(None)


def resolve_universe(engine: Engine, market_data: Callable[[], Any]) -> Callable[[BotRecord], list[str]]:
    """The runner's universe resolver: a bot → the codes it trades now."""

    def resolve(bot: BotRecord) -> list[str]:
        u = bot.config.universe
        if u.kind == "codes":
            return list(u.codes)
        if u.kind == "watchlist":
            return watchlist_of(engine, bot.username)
        if u.kind == "report":
            latest = reports_repo.latest_report(engine)
            return [code for _, code, _ in reports_repo.report_picks(engine, latest[0])] if latest else []
        if u.kind == "top":
            return [r.code for r in market_data().ranking(u.n, u.market or None)]
        if u.kind == "sector":
            rows = market_data().ranking(3000, u.market or None)
            return [r.code for r in rows if r.sector == u.sector][: u.n]
        if u.kind == "screen":
            from services.screens import screen_codes

            return list(screen_codes(engine, dict(u.screen or {})))
        return []

    return resolve


def start_bot_runner(owner: Any, options: RunnerOptions | None = None, feed: Any = None) -> BotRunner:
    """The bot runner of ``owner`` (services.owner.Owner), started; the gateway's kill switch halts the
    account's bots at once. ``feed``: another live feed (tests, benchmarks)."""
    if feed is None and owner.market is not None:
        feed = PaperFeed(owner.market)
    elif feed is None:
        from trading.market.clock import RealClock

        if owner.feed is None:
            raise RuntimeError("bots need the broker's market-data service (BROKER_FEED)")
        feed = BrokerLiveFeed(owner.feed, RealClock())
    port = OwnerAccounts(owner)
    universe = resolve_universe(owner.engine, port.market_data)
    runner = BotRunner(SqlBotStore(owner.engine), owner.gateway, port, feed, universe, options)
    engine = owner.engine
    owner.gateway.on_kill = lambda account, reason, by: halt_account_bots(engine, account, reason, by)
    return runner.start()
