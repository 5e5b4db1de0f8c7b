"""Redis transport for ``RpcBroker`` (full mode) and the owner's request loop.

Requests go to the list ``{prefix}rpc``; each carries a private reply list that the owner pushes
one reply to (expiring after 60 s). Realtime events are published on ``{prefix}ev:{channel}``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import redis

from trading.brokers.base import Broker, Channel
from trading.brokers.errors import BrokerUnavailable
from trading.brokers.rpc import dispatch
from trading.brokers.wire import decode, encode

DEFAULT_PREFIX = "gslts:market:"


def market_prefix(url: str) -> str:
    """The key and channel prefix for the market served through ``url``'s Redis database.

    Pub/sub channels are server-wide (not per database number), so the number is part of the name:
    two deployments on one Redis server with different databases never see each other's ticks.
    """
    db = redis.connection.parse_url(url).get("db", 0)
    return f"{DEFAULT_PREFIX}{db}:"


class RedisTransport:
    def __init__(self, url: str, prefix: str | None = None):
        self.redis = redis.Redis.from_url(url)
        self.prefix = market_prefix(url) if prefix is None else prefix
        self._subs: list[_RedisSubscription] = []

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        reply_key = f"{self.prefix}reply:{uuid.uuid4().hex}"
        try:
            self.redis.lpush(self.prefix + "rpc", json.dumps({**request, "reply_to": reply_key}))
            got = self.redis.brpop([reply_key], timeout=max(1, int(timeout + 0.999)))
        except redis.RedisError as err:
            raise BrokerUnavailable(f"Redis is unreachable: {err}") from None
        if got is None:
            raise BrokerUnavailable(
                f"the market process did not answer within {timeout:.0f} s (is `gslts market` running?)"
            )
        return json.loads(got[1])

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> _RedisSubscription:
        sub = _RedisSubscription(self.redis, f"{self.prefix}ev:{channel.value}", set(codes), callback)
        self._subs.append(sub)
        return sub

    def close(self) -> None:
        for sub in self._subs:
            sub.cancel()
        self.redis.close()


class _RedisSubscription:
    def __init__(
        self, client: redis.Redis, channel: str, codes: set[str], callback: Callable[[object], None]
    ):
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{channel: self._on_message})
        self._codes = codes
        self._callback = callback
        self._thread = self._pubsub.run_in_thread(sleep_time=0.05, daemon=True)

    def _on_message(self, message: dict[str, Any]) -> None:
        for event in decode(json.loads(message["data"])):
            if not self._codes or getattr(event, "code", None) in self._codes:
                self._callback(event)

    def cancel(self) -> None:
        self._thread.stop()
        self._thread.join(timeout=2)  # the reader thread must finish before the socket closes
        self._pubsub.close()


class RedisRpcServer:
    """Serve ``RpcBroker`` requests for the owner's broker and publish its realtime events."""

    FLUSH_S = 0.02
    BATCH = 2000

    def __init__(self, broker: Broker, url: str, prefix: str | None = None):
        self.broker = broker
        self.redis = redis.Redis.from_url(url)
        self.prefix = market_prefix(url) if prefix is None else prefix
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queues: dict[Channel, list[object]] = {}
        self._qlock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._wake = threading.Event()

    def publish(self, channel: Channel, events: list[object]) -> None:
        if events:
            self.redis.publish(f"{self.prefix}ev:{channel.value}", json.dumps(encode(events)))

    def publisher(self, channel: Channel) -> Callable[[object], None]:
        """A callback that queues one event; a flusher thread publishes the queue every ``FLUSH_S``
        in messages of at most ``BATCH`` events (one Redis round trip per tick would cap the feed),
        or at once after ``wake()`` (the market calls it at the end of each step)."""
        queue = self._queues.setdefault(channel, [])

        def put(event: object) -> None:
            with self._qlock:
                queue.append(event)

        self._start_flusher()
        return put

    def flush(self) -> int:
        """Publish everything queued now; returns the number of events published."""
        with self._qlock:
            batches = {ch: q[:] for ch, q in self._queues.items() if q}
            for q in self._queues.values():
                q.clear()
        n = 0
        for channel, events in batches.items():
            for i in range(0, len(events), self.BATCH):
                self.publish(channel, events[i : i + self.BATCH])
            n += len(events)
        return n

    def wake(self) -> None:
        """Publish what is queued now rather than at the next ``FLUSH_S`` round."""
        self._wake.set()

    def _start_flusher(self) -> None:
        if self._flusher is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(self.FLUSH_S)
                self._wake.clear()
                if self._stop.is_set():
                    break  # stop() flushes the rest
                try:
                    self.flush()
                except redis.RedisError:
                    self._stop.wait(1.0)  # Redis is down: drop nothing here, retry on the next round

        self._flusher = threading.Thread(target=loop, name="market-publish", daemon=True)
        self._flusher.start()

    def serve_once(self, timeout: float = 1.0) -> bool:
        """Answer one request if one arrives within ``timeout``; True if one was answered."""
        got = self.redis.brpop([self.prefix + "rpc"], timeout=max(1, int(timeout)))
        if got is None:
            return False
        request = json.loads(got[1])
        reply = dispatch(self.broker, request)
        pipe = self.redis.pipeline()
        pipe.lpush(request["reply_to"], json.dumps(reply))
        pipe.expire(request["reply_to"], 60)
        pipe.execute()
        return True

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.serve_once()
                except redis.RedisError:
                    self._stop.wait(1.0)  # Redis is down: keep the market running, retry

        self._thread = threading.Thread(target=loop, name="market-rpc", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=3)
        if self._flusher:
            self._flusher.join(timeout=3)
        with contextlib.suppress(redis.RedisError):
            self.flush()
        self.redis.close()
