"""The composition root: one ``Container`` per process, with typed parts built on first use.

What a process gets depends on whether it owns the accounts:

| process | owner? | gateway | account reads |
|---|---|---|---|
| ``gslts run`` (embedded) | yes: file lease | ``LocalGateway`` | the market / adapter |
| ``gslts market`` (full) | yes: Redis lease | ``LocalGateway``, served over Redis | the market / adapter |
| web worker, Celery worker (full) | no | ``RemoteGateway`` over Redis | paper: RPC to the owner; KIS/Kiwoom: the adapter (reads only) |
| CLI (embedded, app running) | no | ``RemoteGateway`` over the app's local HTTP | RPC to the app |
| CLI (embedded, no app) | yes, for its lifetime (file lease, waits for another CLI) | ``LocalGateway`` | local |
| CLI (full) | no | ``RemoteGateway`` over Redis | as a web worker |

Nothing but the owner's gateway sends orders: a non-owner's adapter has a guard that refuses them.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine

from db import cache as read_cache
from db.engine import get_engine
from services.owner import Owner, make_adapter, start_owner
from services.ownership import FileLease, OwnedElsewhere, RedisLease
from services.secret import deployment_secret
from trading.brokers.base import Broker
from trading.brokers.rpc import RpcBroker, Transport
from trading.config import Settings
from trading.orders.gateway import OrderGateway
from trading.orders.lease import NoLease
from trading.orders.naming import broker_account, owner_scope
from trading.orders.remote import RemoteGateway

if TYPE_CHECKING:
    from services.backtest_jobs import BacktestJobs
    from services.market_data import MarketData

log = logging.getLogger(__name__)

Kind = Literal["web", "cli", "market", "worker"]
CLI_LEASE_WAIT_S = 15.0  # a CLI command waits this long for another CLI command to release the account


class Container:
    """One process's services (see the module docstring). Thread-safe; ``close()`` stops what it started."""

    def __init__(self, settings: Settings, kind: Kind, engine: Engine | None = None):
        self.settings = settings
        self.kind = kind
        self.engine = engine or get_engine(settings.database_url)
        read_cache.attach(self.engine, settings)  # shared reads: the deployment's cache (db/cache.py)
        self.owner: Owner | None = None
        self.scheduler: Any | None = None  # workers.embedded.EmbeddedScheduler (gslts run)
        self.alerts_dispatcher: Any | None = None  # services.alerts.dispatcher.Dispatcher (gslts run)
        self.live_hub: Any | None = None  # app.stream.LiveHub (web)
        self.backtest_jobs: BacktestJobs | None = None  # workers.backtest_runner.BacktestRunner (web)
        self._transport: Transport | None = None
        self._gateway: OrderGateway | None = None
        self._adapter: Broker | None = None
        self._market_data: MarketData | None = None
        self._lock = threading.RLock()

    # --- ownership -------------------------------------------------------------------------------

    @property
    def owns(self) -> bool:
        return self.owner is not None

    def become_owner(self, wait_s: float = 0.0, on_lost: Any = None, prepare: Any = None) -> Owner:
        """Take the lease of this deployment's scope and start the owner (idempotent); ``prepare(owner)``
        runs before the market's first step."""
        with self._lock:
            if self.owner is not None:
                return self.owner
            s, scope = self.settings, owner_scope(self.settings)
            if s.embedded:
                lease: Any = FileLease(s.data_dir, scope, self.engine).acquire(wait_s)
            else:
                from trading.brokers.redis_rpc import market_prefix

                lease = RedisLease(
                    s.redis_url or "", scope, self.engine, prefix=market_prefix(s.redis_url or ""),
                    ttl_s=s.lease_ttl_s, on_lost=on_lost,
                ).acquire(wait_s)  # fmt: skip
            try:
                self.owner = start_owner(s, self.engine, lease, prepare=prepare, with_feed=self.kind != "cli")
            except BaseException:
                lease.release()
                raise
            log.info("%s owns %s (fencing token %d)", self.kind, scope, lease.token)
            return self.owner

    def _embedded_client(self) -> Transport | None:
        """Embedded mode: the running ``gslts run``'s local endpoint, if one serves this data dir."""
        from services.embedded import api_token, running_owner_url
        from trading.brokers.http_rpc import HttpTransport

        url = running_owner_url(self.settings)
        return HttpTransport(url, api_token(self.settings)) if url else None

    def _resolve(self) -> None:
        """Decide once how this process reaches the accounts: own them, or talk to the owner."""
        if self.owner is not None or self._transport is not None:
            return
        s = self.settings
        if not s.embedded:
            if self.kind == "market":
                self.become_owner()
                return
            from trading.brokers.redis_rpc import RedisTransport

            self._transport = RedisTransport(s.redis_url or "", deployment_secret(s))
            return
        if self.kind == "cli":
            client = self._embedded_client()
            if client is not None:
                self._transport = client
                return
            self.become_owner(wait_s=CLI_LEASE_WAIT_S)  # no app running: own it for this command
            return
        self.become_owner()  # embedded web app / jobs: this process is the owner

    # --- the parts -------------------------------------------------------------------------------

    def gateway(self) -> OrderGateway:
        """The order gateway every order, modify and cancel of this process goes through."""
        with self._lock:
            if self._gateway is None:
                self._resolve()
                if self.owner is not None:
                    self._gateway = self.owner.gateway
                else:
                    assert self._transport is not None
                    self._gateway = RemoteGateway(self._transport, self.settings.rpc_timeout_s)
            return self._gateway

    def adapter(self) -> Broker:
        """KIS/Kiwoom: the adapter of the configured account (reads; only the owner's may send)."""
        with self._lock:
            if self.owner is not None and self.owner.adapter is not None:
                return self.owner.adapter
            if self._adapter is None:
                self._adapter = make_adapter(self.settings)
                self._adapter.send_guard = NoLease(  # type: ignore[attr-defined]
                    "orders go through the account owner's order gateway"
                ).check
            return self._adapter

    def reader(self, account: str | None = None) -> Broker:
        """Reads of ``account`` (balance, orders, fills) and of the market (quotes, bars, ranking)."""
        with self._lock:
            if self.settings.broker != "paper":  # reads need no ownership: the adapter answers them
                if self.owner is not None:
                    return self.owner.reader(account)
                if account not in (None, broker_account(self.settings)):
                    from trading.brokers.errors import OrderRejected, Reason

                    raise OrderRejected(Reason.NO_ACCOUNT, str(account))
                return self.adapter()
            self._resolve()
            if self.owner is not None:
                return self.owner.reader(account)
            assert self._transport is not None
            return RpcBroker(self._transport, "paper", self.settings.rpc_timeout_s, account)

    def market_service(self) -> Any | None:
        """The in-process paper market, when this process owns it."""
        return self.owner.market if self.owner is not None else None

    def market_clock(self) -> dict[str, Any] | None:
        """The paper market's clock (``kind``, ``speed``, ``now``), wherever the market runs; None with a
        broker or when the owner does not answer."""
        if self.settings.broker != "paper":
            return None
        from trading.brokers.errors import BrokerError
        from trading.brokers.rpc import call

        with self._lock:
            self._resolve()
            owner, transport = self.owner, self._transport
        if owner is not None:
            return owner.market.clock_info() if owner.market is not None else None
        try:
            return call(transport, "market.clock", {}, None, self.settings.rpc_timeout_s)  # type: ignore[arg-type]
        except BrokerError:
            return None

    def set_market_speed(self, speed: float, role: str) -> dict[str, Any]:
        """Change the running demo market's speed (admins only; the owner checks the role again).
        ValueError: not a paper market with the demo clock, or a speed out of range."""
        from trading.brokers.rpc import call
        from trading.market.clock import MAX_SPEED

        if role != "admin":
            raise PermissionError("only an admin sets the market speed")
        if self.settings.broker != "paper" or self.settings.market_clock != "demo":
            raise ValueError("only the demo market's speed can change")
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be > 0 and <= {MAX_SPEED:g}")
        with self._lock:
            self._resolve()
            owner, transport = self.owner, self._transport
        if owner is not None:
            if owner.market is None:
                raise ValueError("this process runs no paper market")
            return owner.market.set_speed(speed)
        return call(transport, "market.set_speed", {"speed": speed, "role": role}, None,  # type: ignore[arg-type]
                    self.settings.rpc_timeout_s)  # fmt: skip

    def market_data(self) -> MarketData:
        """Quotes, books, rankings for pages: the in-process market, or the recorder's cache."""
        with self._lock:
            if self._market_data is None:
                from services.broker_feed import BrokerMarketData
                from services.market_cache import MemoryMarketCache, RedisMarketCache
                from services.market_data import ServiceMarketData

                s = self.settings
                if s.embedded:
                    self._resolve()  # the embedded app owns the market or the broker feed
                service = self.market_service()
                feed = self.owner.feed if self.owner is not None else None
                broker = s.broker != "paper"
                if service is not None:
                    self._market_data = ServiceMarketData(service)
                elif feed is not None:
                    self._market_data = BrokerMarketData(feed.cache, feed, s.broker_open_wait_s)
                elif s.redis_url:
                    cache = RedisMarketCache(s.redis_url, engine=self.engine, feed_expected=broker)
                    self._market_data = (
                        BrokerMarketData(cache, None, s.broker_open_wait_s) if broker else cache
                    )
                else:
                    self._market_data = MemoryMarketCache(self.engine, feed_expected=broker)
            return self._market_data

    def close(self) -> None:
        """Stop what this container started (live hub, scheduler, owner, connections)."""
        with self._lock:
            for part in (self.live_hub, self.scheduler, self.alerts_dispatcher):
                stop = getattr(part, "stop", None) or getattr(part, "close", None)
                if stop is not None:
                    stop()
            self.live_hub = self.scheduler = self.alerts_dispatcher = None
            if self.owner is not None:
                self.owner.close()
                self.owner = None
            if self._adapter is not None:
                self._adapter.close()
                self._adapter = None
            if self._transport is not None:
                self._transport.close()
                self._transport = None
            self._gateway = None
            self._market_data = None


__all__ = ["Container", "OwnedElsewhere"]
