"""The market's durable event log in full mode: what a consumer such as the recorder must never miss.

Pub/sub forgets every message nobody was connected to hear: ticks published while Redis restarts, or
while the recorder restarts, would be gone. So the owner also appends each batch of ticks and fills to a
Redis Stream ``{prefix}log:<channel>`` (trimmed to about ``maxlen`` entries, one entry per published
batch), and a durable consumer reads it with ``XREAD`` from a cursor:

* through a Redis outage the reader keeps its cursor and continues where it stopped (with Redis'
  append-only file, nothing the owner appended is lost; what the owner could not append stays queued
  in the owner and is appended when Redis is back);
* a consumer's first start reads from the current session's start (``origin_key``, set by the owner when
  it starts a new session), so what the market published before the consumer ran is not skipped;
* across a restart of the consumer it resumes from the cursor it saved under ``{prefix}cursor:<name>:
  <channel>``. The saved cursor lags ``lag_s`` behind what was delivered, so what the consumer held in
  memory when it was killed is delivered again; consumers must be idempotent (the recorder's primary key
  drops replayed ticks).

Live pages keep using pub/sub: they want the newest price, not the history.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from trading.brokers.base import Channel
from trading.brokers.wire import decode

log = logging.getLogger(__name__)

LOGGED_CHANNELS = frozenset({Channel.TICKS, Channel.FILLS})


def log_key(prefix: str, channel: Channel) -> str:
    return f"{prefix}log:{channel.value}"


def origin_key(prefix: str, channel: Channel) -> str:
    """Where the market's current session starts in its log (the entry before its first event)."""
    return f"{prefix}log:{channel.value}:origin"


def mark_origin(client: redis.Redis, prefix: str) -> None:
    """The owner starts a new session: a consumer's first start reads the log from here, so the morning a
    demo session catches up on before the consumer runs is not skipped."""
    for channel in LOGGED_CHANNELS:
        last = client.xrevrange(log_key(prefix, channel), count=1)
        client.set(origin_key(prefix, channel), last[0][0].decode() if last else "0-0")


def cursor_key(prefix: str, consumer: str, channel: Channel) -> str:
    return f"{prefix}cursor:{consumer}:{channel.value}"


def _id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class DurableFeed:
    """One reader thread per (consumer, channel): reads the owner's log from the saved cursor and hands
    every event to ``dispatch``; saves the cursor ``lag_s`` behind. See the module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        channel: Channel,
        consumer: str,
        dispatch: Callable[[object], None],
        *,
        lag_s: float = 5.0,
        settle_s: float = 1.0,
    ):
        self.redis = client
        self.key = log_key(prefix, channel)
        self.origin_key = origin_key(prefix, channel)
        self.cursor_key = cursor_key(prefix, consumer, channel)
        self.dispatch = dispatch
        self.lag_s = lag_s
        self.settle_s = settle_s
        self.cursor: str | None = None
        self.delivered = 0
        self.errors = 0
        self.trimmed = 0  # entries the log had already dropped when this reader came for them
        self._recent: collections.deque[tuple[float, str]] = collections.deque()
        self._saved_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"durable-{channel.value}", daemon=True)

    def start(self) -> DurableFeed:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

    def _start_cursor(self) -> str:
        saved = self.redis.get(self.cursor_key)
        if saved:
            return saved.decode()
        origin = self.redis.get(self.origin_key)  # a first start: from the session's start
        if origin:
            return origin.decode()
        last = self.redis.xrevrange(self.key, count=1)  # no session marked: from now on
        return last[0][0].decode() if last else "0-0"

    def _run(self) -> None:
        # Subscriptions registered in the same breath (the recorder's universe) all see the replay.
        self._stop.wait(self.settle_s)
        delay = 0.2
        while not self._stop.is_set():
            try:
                if self.cursor is None:
                    self.cursor = self._start_cursor()
                    self._check_trimmed(self.cursor)
                got = self.redis.xread({self.key: self.cursor}, count=200, block=500)
                for _, entries in got or []:
                    for entry_id, fields in entries:
                        self._deliver(entry_id.decode(), fields)
                self._save_cursor()
                delay = 0.2
            except redis.RedisError as err:
                self.errors += 1
                if self.errors == 1 or self.errors % 20 == 0:
                    log.warning("durable feed %s: Redis unavailable (%s); resuming from %s", self.key, err,
                                self.cursor)  # fmt: skip
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _deliver(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        try:
            events: list[Any] = decode(json.loads(fields[b"d"]))
        except Exception:  # noqa: BLE001 - junk on the log: skip it, loudly
            log.warning("durable feed %s: malformed entry %s skipped", self.key, entry_id)
            events = []
        for event in events:
            self.dispatch(event)
        self.cursor = entry_id
        self.delivered += len(events)
        self._recent.append((time.monotonic(), entry_id))

    def _save_cursor(self) -> None:
        now = time.monotonic()
        if now - self._saved_at < 1.0:
            return
        keep = None
        while self._recent and now - self._recent[0][0] >= self.lag_s:
            keep = self._recent.popleft()[1]
        if keep is not None:
            self.redis.set(self.cursor_key, keep)
        self._saved_at = now

    def _check_trimmed(self, cursor: str) -> None:
        if cursor == "0-0":
            return
        first = self.redis.xrange(self.key, count=1)
        if first and _id_tuple(first[0][0].decode()) > _id_tuple(cursor):
            self.trimmed += 1
            log.error(
                "durable feed %s: the log was trimmed past the saved cursor %s (first entry %s); "
                "events in between are lost — raise MARKET_LOG_MAXLEN",
                self.key, cursor, first[0][0].decode(),
            )  # fmt: skip
