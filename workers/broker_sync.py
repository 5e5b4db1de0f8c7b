"""Broker sync: copy a KIS/Kiwoom account (orders, fills, positions, cash) into the database.

``sync_broker`` is the ``broker-sync`` interval job (``workers/schedule.py``); ``reconcile`` is the
same work for a given adapter and engine. The paper broker is skipped: its database IS the truth.

When (``BROKER_SYNC_HOURS``):

* ``session`` (default): every ``BROKER_SYNC_SECONDS`` (default 5) on XKRX session days from one hour
  before the open to three hours after the close — 08:00–18:30 KST on a normal day, covering the
  pre-open auction, the regular session and the after-hours sessions when orders can fill — and at
  most every ``BROKER_SYNC_IDLE_SECONDS`` (default 900) outside it, so a start-up on a holiday, a
  deposit or the brokers' end-of-day statuses still reach the database without spending the rate
  limit (KIS mock allows 2 calls/s; one sync is 4 KIS calls or 4 Kiwoom calls) all night.
* ``always``: every ``BROKER_SYNC_SECONDS`` around the clock.

Overlap: one run per account at a time — a Redis lock in full mode (Celery workers in several
processes), a process lock in embedded mode. A run that finds it held returns ``skipped: …``.
Failures: broker errors are logged (once per distinct error, then quietly until it recovers) and
raise ``JobFailed``; nothing is written because the snapshot is read completely before the one
database transaction starts. Account numbers are masked in logs; keys and tokens are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine

from db.repositories.broker_sync import BrokerSyncStore
from trading.brokers.base import Broker
from trading.brokers.errors import BrokerError
from trading.brokers.sync import SyncSummary, fetch_snapshot
from trading.config import Settings
from trading.domain import KST
from trading.krx.calendar import is_krx_session, krx_session_bounds
from trading.orders.lease import NoLease
from trading.orders.naming import broker_account, masked
from trading.timeconv import as_kst
from workers.schedule import JobFailed

log = logging.getLogger(__name__)

WINDOW_BEFORE_OPEN = timedelta(hours=1)
WINDOW_AFTER_CLOSE = timedelta(hours=3)  # the after-hours single-price session ends at close + 2:30
LOCK_TTL_S = 120  # a Redis lock outlives a crashed holder by at most this
SYNC_BROKERS = ("kis", "kiwoom")

_state_lock = threading.Lock()
_local_locks: dict[str, threading.Lock] = {}
_idle_last: dict[str, float] = {}
_last_error: dict[str, str] = {}
_brokers: dict[tuple[str, ...], Broker] = {}


# --- identity -----------------------------------------------------------------------------------

account_name = broker_account  # ``accounts.name`` of the configured broker account


# --- when ---------------------------------------------------------------------------------------


def in_sync_window(now: datetime) -> bool:
    """True on an XKRX session day from an hour before the open to three hours after the close."""
    local = as_kst(now)
    if not is_krx_session(local.date()):
        return False
    open_, close = krx_session_bounds(local.date())
    return open_ - WINDOW_BEFORE_OPEN <= local < close + WINDOW_AFTER_CLOSE


def _redis(settings: Settings):  # noqa: ANN202 - redis.Redis
    import redis

    return redis.Redis.from_url(settings.redis_url or "")


def _idle_due(settings: Settings, account: str) -> bool:
    """Outside the window: True at most once per ``broker_sync_idle_seconds`` (claims the slot)."""
    every = settings.broker_sync_idle_seconds
    if every <= 0:
        return False
    if settings.redis_url:
        client = _redis(settings)
        try:
            return bool(client.set(f"gslts:broker-sync:idle:{account}", "1", nx=True, ex=every))
        finally:
            client.close()
    now = time.monotonic()
    with _state_lock:
        last = _idle_last.get(account)
        if last is not None and now - last < every:
            return False
        _idle_last[account] = now
        return True


@contextmanager
def run_lock(settings: Settings, account: str) -> Iterator[bool]:
    """Hold the account's sync lock if free; yields False (without waiting) when another run has it."""
    if settings.redis_url:
        client = _redis(settings)
        lock = client.lock(f"gslts:lock:broker-sync:{account}", timeout=LOCK_TTL_S, blocking=False)
        acquired = bool(lock.acquire(blocking=False))
        try:
            yield acquired
        finally:
            if acquired:
                try:
                    lock.release()
                except Exception:  # noqa: BLE001 - expired meanwhile: nothing to release
                    log.warning("broker sync lock of %s expired before release", masked(account))
            client.close()
        return
    with _state_lock:
        local = _local_locks.setdefault(account, threading.Lock())
    acquired = local.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            local.release()


# --- the work -----------------------------------------------------------------------------------


def reconcile(broker: Broker, engine: Engine, account: str, now: datetime | None = None) -> SyncSummary:
    """Read ``broker`` (today's orders and fills, the balance) and make account ``account`` in the
    database equal to it, in one transaction; logs every difference. Broker errors propagate
    before anything is written."""
    snapshot = fetch_snapshot(broker, now)
    summary = BrokerSyncStore(engine).apply(account, broker.name, snapshot)
    label = masked(account)
    for note in summary.notes:
        log.info("broker sync %s: %s", label, note)
    return summary


def _broker(settings: Settings) -> Broker:
    """The process's adapter for the configured broker (kept: tokens, pooled connections)."""
    key = (settings.broker, settings.broker_env, settings.broker_urls()[0], account_name(settings),
           settings.redis_url or "", str(settings.data_dir))  # fmt: skip
    with _state_lock:
        broker = _brokers.get(key)
        if broker is None:
            if settings.broker == "kis":
                from trading.brokers.kis import KisBroker

                broker = KisBroker.from_settings(settings)
            else:
                from trading.brokers.kiwoom import KiwoomBroker

                broker = KiwoomBroker.from_settings(settings)
            # Reads only: orders go through the account owner's gateway, never through this adapter.
            broker.send_guard = NoLease("the broker sync reads the account; it never sends orders").check  # type: ignore[attr-defined]
            _brokers[key] = broker
        return broker


def close_brokers() -> None:
    """Close the adapters this module opened (process shutdown, tests)."""
    with _state_lock:
        brokers = list(_brokers.values())
        _brokers.clear()
    for broker in brokers:
        broker.close()


def _failed(account: str, err: BrokerError) -> None:
    text = f"{type(err).__name__}: {err}"
    with _state_lock:
        repeated = _last_error.get(account) == text
        _last_error[account] = text
    (log.debug if repeated else log.warning)("broker sync %s failed: %s", masked(account), text)


def _recovered(account: str) -> None:
    with _state_lock:
        was = _last_error.pop(account, None)
    if was:
        log.info("broker sync %s: the broker answers again", masked(account))


def sync_broker(engine: Engine, settings: Settings) -> str:
    """The ``broker-sync`` job: a status line, ``skipped: …``, or ``JobFailed`` on a broker error."""
    if settings.broker not in SYNC_BROKERS:
        return f"skipped: {settings.broker} broker"
    if settings.broker_sync_seconds <= 0:
        return "skipped: BROKER_SYNC_SECONDS=0"
    account = account_name(settings)
    now = datetime.now(KST)
    if (
        settings.broker_sync_hours == "session"
        and not in_sync_window(now)
        and not _idle_due(settings, account)
    ):
        return "skipped: outside KRX hours"
    with run_lock(settings, account) as acquired:
        if not acquired:
            return "skipped: a sync of this account is already running"
        try:
            summary = reconcile(_broker(settings), engine, account, now)
        except BrokerError as err:
            _failed(account, err)
            raise JobFailed(f"broker sync {masked(account)} failed: {err}") from err
    _recovered(account)
    return summary.status(masked(account))
