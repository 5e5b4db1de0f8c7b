"""The account owner: the one process that sends orders for the paper market or the broker account.

It holds the lease, runs the market (paper) or the adapter (KIS/Kiwoom), the ``LocalGateway`` with its
journal, and a reconciler thread that settles intents whose outcome is unknown (at start, then every
``RECONCILE_INTERVAL_S``). Other processes reach it through ``Endpoint`` (Redis or local HTTP).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from db.repositories import accounts as accounts_repo
from db.repositories.bars import SqlBarSource, latest_closes
from db.repositories.order_journal import SqlJournal
from db.repositories.paper import SqlPaperStore
from db.repositories.stocks import all_stocks
from services.accounts import OwnerDirectory
from services.broker_feed import BrokerFeed, BrokerMarketData, FeedOptions, FeedReads, stock_infos
from services.fill_sync import FillSync
from services.rules import BrokerRules, PaperRules, SessionUnchecked
from services.secret import deployment_secret
from trading.brokers.base import Broker
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.broker import PaperBroker
from trading.brokers.paper.fill_journal import FillJournal
from trading.brokers.rpc import Endpoint
from trading.config import Settings
from trading.domain import Market
from trading.market.clock import Clock, RealClock
from trading.market.service import MarketService
from trading.orders.confirm import Confirmations
from trading.orders.gateway import LocalGateway
from trading.orders.lease import Lease
from trading.orders.naming import broker_account
from trading.orders.risk import AccountRisk, LimitsRisk, RiskChain, StateRisk

log = logging.getLogger(__name__)


def make_adapter(settings: Settings) -> Broker:
    """The configured KIS/Kiwoom adapter (live trading and the send guard come from the settings)."""
    if settings.broker == "kis":
        from trading.brokers.kis import KisBroker

        return KisBroker.from_settings(settings)
    from trading.brokers.kiwoom import KiwoomBroker

    return KiwoomBroker.from_settings(settings)


def stock_master(engine: Engine) -> dict[str, tuple[Market, bool]]:
    return {s.code: (Market(s.market), bool(s.is_etf)) for s in all_stocks(engine)}


@dataclass
class Owner:
    settings: Settings
    engine: Engine
    lease: Lease
    gateway: LocalGateway
    directory: OwnerDirectory
    market: MarketService | None = None
    adapter: Broker | None = None
    bars: SqlBarSource | None = None
    feed: BrokerFeed | None = None  # KIS/Kiwoom: the market-data service (services/broker_feed.py)
    fill_sync: FillSync | None = None  # KIS/Kiwoom: a sync into the database when the feed hears a fill
    bots: Any = None  # trading.bots.runner.BotRunner (services/bots.py), in the processes that run bots
    price_watch: Any = None  # services.alerts.price_watch.PriceWatch: price alerts on ticks
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def reader(self, account: str | None = None) -> Broker:
        """Reads of ``account`` (None: the market only): a paper view, or the adapter."""
        if self.market is not None:
            return PaperBroker(self.market, self.bars, account=account)
        assert self.adapter is not None
        if account not in (None, broker_account(self.settings)):
            raise OrderRejected(Reason.NO_ACCOUNT, str(account))
        if account is None and self.feed is not None:  # market reads: the feed's cache, not the broker
            return FeedReads(
                self.adapter, BrokerMarketData(self.feed.cache, self.feed, self.settings.broker_open_wait_s)
            )  # type: ignore[return-value]
        return self.adapter

    def endpoint(self) -> Endpoint:
        return Endpoint(self.reader, self.gateway, self.market)

    def start_reconciler(self, interval_s: float) -> None:
        def loop() -> None:
            while True:
                try:
                    counts = self.gateway.reconcile()
                    if counts["accepted"] or counts["lost"]:
                        log.info("reconciler: %s", counts)
                except Exception:  # noqa: BLE001 - a database or broker outage: try again next round
                    log.exception("reconciler round failed")
                if self._stop.wait(interval_s):
                    return

        self._thread = threading.Thread(target=loop, name="order-reconciler", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self.bots is not None:
            self.bots.close()
        if self.price_watch is not None:
            self.price_watch.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.market is not None:
            self.market.close()
        if self.feed is not None:
            self.feed.close()
        if self.fill_sync is not None:
            self.fill_sync.close()
        close_journal = getattr(self.gateway.journal, "close", None)
        if close_journal is not None:
            close_journal()  # the outcomes still queued are written
        if self.adapter is not None:
            self.adapter.close()
        release = getattr(self.lease, "release", None)
        if release is not None:
            release()


def paper_stores(engine: Engine, settings: Settings, lease: Lease) -> Callable[[str], SqlPaperStore]:
    """The paper market's store factory: each account's store writes only under ``lease``'s token."""
    fence = (lease.scope, lease.token)

    def store(account: str) -> SqlPaperStore:
        return SqlPaperStore(engine, account, settings.paper_initial_cash, fence=fence)

    return store


def paper_market(settings: Settings, engine: Engine, lease: Lease) -> MarketService:
    """The paper market of the lease holder: the fill journal of the previous owner written first, the
    saved session continued, order ids numbered from the lease's fencing token (the market epoch)."""
    stores = paper_stores(engine, settings, lease)
    path = settings.data_dir / "paper-journal.jsonl"
    journal = FillJournal(path, stores, fence=lease.token, guard=lease.check)
    journal.recover()
    _, closes = latest_closes(engine, date.today())
    return MarketService.from_settings(
        settings, store_factory=stores, prev_close=closes or None, journal=journal,
        state_dir=settings.data_dir / "market", id_epoch=lease.token,
    )  # fmt: skip


def build_owner(
    settings: Settings,
    engine: Engine,
    lease: Lease,
    *,
    market: MarketService | None = None,
    adapter: Broker | None = None,
    clock: Clock | None = None,
    with_feed: bool = True,
) -> Owner:
    """The owner's parts, not started. Tests and benchmarks may hand in the market (built with
    ``paper_stores``), the adapter, or the clock broker orders are checked against. ``with_feed``:
    KIS/Kiwoom's market-data service (not for a CLI command owning the account for its lifetime)."""
    journal = SqlJournal(engine)
    secret = deployment_secret(settings)
    bars = None
    feed = None
    if settings.broker == "paper":
        bars = SqlBarSource(engine)
        if market is None:
            market = paper_market(settings, engine, lease)
        else:
            market.use_id_epoch(lease.token)
        paper = market
        directory = OwnerDirectory(
            engine, settings,
            paper_broker=lambda name: PaperBroker(paper, bars, account=name),
            paper_rules=PaperRules(paper),
        )  # fmt: skip
    else:
        adapter = adapter or make_adapter(settings)
        adapter.send_guard = lease.check  # type: ignore[attr-defined]
        name = broker_account(settings)
        accounts_repo.ensure_broker_account(engine, name, settings.broker, settings.broker_env)
        if clock is None:
            clock = RealClock() if settings.order_session_check == "krx" else SessionUnchecked(RealClock())
        rules = BrokerRules(adapter, stock_master(engine), clock)
        directory = OwnerDirectory(engine, settings, adapter=adapter, adapter_rules=rules)
        feed = broker_feed(settings, engine, adapter) if settings.broker_feed and with_feed else None
    gateway = LocalGateway(
        directory,
        journal,
        risk=RiskChain([StateRisk(), AccountRisk(), LimitsRisk()]),
        confirmations=Confirmations(secret, settings.order_confirm_ttl_s),
        live_trading=settings.live_trading,
        confirm_amount=settings.order_confirm_amount,
        lease=lease,
        inflight_wait_s=settings.order_inflight_wait_s,
    )
    owner = Owner(settings, engine, lease, gateway, directory, market, adapter, bars)
    owner.feed = feed
    return owner


def broker_feed(settings: Settings, engine: Engine, adapter: Broker) -> BrokerFeed:
    """The broker's market-data service, writing the cache the pages read (Redis in full mode)."""
    from services.market_cache import MemoryMarketCache, RedisMarketCache

    cache = (
        RedisMarketCache(settings.redis_url, engine=engine, feed_expected=True)
        if settings.redis_url
        else MemoryMarketCache(engine, feed_expected=True)
    )
    opts = FeedOptions.from_settings(settings)
    if settings.redis_url:
        opts = replace(opts, write_every_s=0.05)  # ticks reach Redis in batches (20 a second)
    return BrokerFeed(adapter, cache, stock_infos(all_stocks(engine)), opts)


def start_owner(
    settings: Settings,
    engine: Engine,
    lease: Lease,
    prepare: Callable[[Owner], None] | None = None,
    **parts: object,
) -> Owner:
    """Build the owner and start it: the market steps, the reconciler settles what a crash left open.
    ``prepare(owner)`` runs before the first step (e.g. subscribing the publishers of ``gslts market``), so
    the morning a new demo session catches up on is published like live ticks."""
    owner = build_owner(settings, engine, lease, **parts)  # type: ignore[arg-type]
    if prepare is not None:
        try:
            prepare(owner)
        except BaseException:
            owner.close()
            raise
    if owner.market is not None:
        owner.market.catch_up()  # a new demo session starting mid-morning: its morning is traded now
        owner.market.start()
    if owner.feed is not None:
        if owner.adapter is not None:
            owner.fill_sync = FillSync(owner.adapter, engine, broker_account(settings)).start()
            owner.feed.on_fill = owner.fill_sync.on_fill
        owner.feed.start()
    owner.start_reconciler(settings.reconcile_interval_s)
    if settings.bots_enabled and parts.get("with_feed", True):
        if owner.market is not None or owner.feed is not None:
            from services.bots import start_bot_runner

            owner.bots = start_bot_runner(owner)
        else:
            log.warning("bots are off: with BROKER=%s they need its market-data service (BROKER_FEED)",
                        settings.broker)  # fmt: skip
    if parts.get("with_feed", True) and (owner.market is not None or owner.feed is not None):
        from services.alerts.price_watch import start_price_watch

        owner.price_watch = start_price_watch(owner)
    return owner
