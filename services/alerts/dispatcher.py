"""The alerts dispatcher: outbox → deliveries (fan-out) → webhooks and Telegram.

Each pass fans out new outbox events, then sends to every destination with a delivery due: it takes the
destination's lease (``ALERT_LEASE_S``), fixes the message id of what it is about to send (one event, or a
digest of everything that waited for the destination's pace), sends, and records the outcome. Delivery is
at least once: a dispatcher killed mid-send leaves the lease to run out and the deliveries pending, and
the next pass sends the same message id again (receivers dedupe on it). Several dispatchers may run.

Embedded mode runs it on a thread of ``gslts run``; full mode in its own process (``gslts alerts run``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from db.repositories import alerts as repo
from services.alerts.secret_box import SecretBox
from services.alerts.senders import SendResult, TelegramSender, WebhookSender
from trading import metrics
from trading.alerts.events import Channel, Mode
from trading.alerts.outgoing import Item, Message, message_id
from trading.alerts.pacing import after_send, backoff_s
from trading.config import Settings
from trading.timeconv import now_naive_kst

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, engine: Engine, settings: Settings, name: str | None = None, workers: int = 4):
        self.engine = engine
        self.settings = settings
        self.owner = (name or f"{socket.gethostname()[:16]}:{os.getpid()}:{uuid.uuid4().hex[:6]}")[:40]
        self.client = httpx.Client(timeout=settings.alert_http_timeout_s)
        self.senders = {
            Channel.WEBHOOK.value: WebhookSender(self.client, SecretBox(settings)),
            Channel.TELEGRAM.value: TelegramSender(self.client, settings),
        }
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="alerts-send")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._inflight: set[int] = set()  # destinations a pool thread is sending to

    # --- one pass ---------------------------------------------------------------------------------

    def run_once(self, wait: bool = True) -> int:
        """Fan out, then send to every due destination on the pool; returns the work started. With
        ``wait`` False (the loop) a slow destination never holds up the next pass: the others go on."""
        n = repo.fan_out(self.engine, self.settings.telegram_chats)
        with self._lock:
            due = [d for d in repo.due_destinations(self.engine) if d not in self._inflight]
            self._inflight.update(due)
        futures = [self._pool.submit(self._deliver_tracked, d) for d in due]
        if wait:
            for f in futures:
                f.result()
        return n + len(due)

    def _deliver_tracked(self, dest_id: int) -> int:
        try:
            return self.deliver(dest_id)
        finally:
            with self._lock:
                self._inflight.discard(dest_id)

    def deliver(self, dest_id: int) -> int:
        """Send one message to ``dest_id`` if its lease is ours; returns 1 when something was sent."""
        dest = repo.lease_destination(self.engine, dest_id, self.owner, self.settings.alert_lease_s)
        if dest is None:
            return 0
        try:
            due = repo.due_deliveries(self.engine, dest_id, self.settings.alert_digest_max)
            if not due:
                repo.release_destination(self.engine, dest_id, self.owner)
                return 0
            mid = due[0].message_id or message_id(dest_id, [(d.id, d.dedupe_id) for d in due])
            if due[0].message_id is None:
                repo.assign_message(self.engine, [d.id for d in due], mid)
            items = tuple(Item(d.type, d.dedupe_id, d.time, d.payload) for d in due)
            msg = Message(mid, items, silent=all(d.mode == Mode.SILENT for d in due))
            result = self.senders[dest.kind].send(dest, msg)
            repo.record_send(self.engine, dest_id, self.owner, self._record(dest, due, result))
            now = now_naive_kst()
            ages = [(now - (d.queued_at or now)).total_seconds() for d in due]
            metrics.alert_sent(dest.kind, result.ok, len(due), ages)
            if not result.ok:
                log.warning("alert %s to %s #%s: %s", mid, dest.kind, dest_id, result.error)
            return 1
        except Exception:  # noqa: BLE001 - one destination's failure must not stop the others
            log.exception("alerts: sending to destination %s failed", dest_id)
            repo.release_destination(self.engine, dest_id, self.owner)
            return 0

    def _record(self, dest: repo.Destination, due: list[repo.Due], result: SendResult) -> repo.SendRecord:
        s = self.settings
        now = now_naive_kst()
        per_min, burst = (
            (s.alert_telegram_per_min, s.alert_telegram_burst)
            if dest.kind == Channel.TELEGRAM
            else (s.alert_webhook_per_min, s.alert_webhook_burst)
        )
        elapsed = (now - dest.tokens_at).total_seconds() if dest.tokens_at else float(burst) * 60 / per_min
        bucket = after_send(dest.tokens if dest.tokens is not None else float(burst), elapsed, per_min, burst)
        wait = max(bucket.wait_s, result.retry_after_s or 0.0)
        next_send = now + timedelta(seconds=wait) if wait > 0 else None
        ids = [d.id for d in due]
        if result.ok:
            return repo.SendRecord(ids, True, tokens=bucket.tokens, next_send_at=next_send)
        attempts = max(d.attempts for d in due) + 1
        retry = None
        if not result.permanent and attempts < s.alert_max_attempts:
            delay = max(
                backoff_s(attempts, s.alert_retry_base_s, s.alert_retry_max_s), result.retry_after_s or 0
            )
            retry = now + timedelta(seconds=delay)
        return repo.SendRecord(ids, False, result.error, retry, bucket.tokens, next_send)

    # --- the loop -----------------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Pass after pass until ``stop``: at once while there is work, else every ``ALERT_POLL_MS``;
        a database error is logged and retried with backoff."""
        poll = self.settings.alert_poll_ms / 1000
        failures = 0
        while not self._stop.is_set():
            try:
                busy = self.run_once(wait=False)
                failures = 0
            except Exception:  # noqa: BLE001 - the database away: keep trying
                failures += 1
                log.exception("alerts dispatcher pass failed (%d in a row)", failures)
                busy = 0
                self._stop.wait(backoff_s(failures, 0.5, 10.0))
            if not busy:
                self._stop.wait(poll)

    def start(self) -> Dispatcher:
        self._thread = threading.Thread(target=self.run_forever, name="alerts-dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()
