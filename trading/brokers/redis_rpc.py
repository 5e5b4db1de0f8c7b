"""Redis transport to the account owner (full mode) and the owner's request loop.

Requests (``trading/brokers/rpc.py`` envelopes, HMAC-signed) go to the list ``{prefix}rpc``; the owner
pushes one reply to ``{prefix}reply:<request id>`` (expiring after 60 s). Realtime events are published
on ``{prefix}ev:{channel}``; ticks and fills are also appended to the durable log that consumers which
must not miss any (the recorder) read (``redis_log.py``). Events the owner could not publish (Redis down)
stay queued and go out when Redis is back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from trading.brokers.base import Channel
from trading.brokers.errors import BrokerUnavailable
from trading.brokers.redis_log import LOGGED_CHANNELS, DurableFeed, log_key
from trading.brokers.rpc import Endpoint, RpcTimeout, Signer, expired_ms, parse_envelope
from trading.brokers.wire import decode, encode

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "gslts:market:"


def market_prefix(url: str) -> str:
    """The key and channel prefix for the market served through ``url``'s Redis database.

    Pub/sub channels are server-wide (not per database number), so the number is part of the name:
    two deployments on one Redis server with different databases never see each other's ticks.
    """
    db = redis.connection.parse_url(url).get("db", 0)
    return f"{DEFAULT_PREFIX}{db}:"


def reply_key(prefix: str, request_id: str) -> str:
    """The one key a reply to ``request_id`` goes to (the owner derives it; requests never name keys)."""
    return f"{prefix}reply:{request_id}"


class RedisTransport:
    """The client's side: signs each request, pushes it on ``{prefix}rpc`` and waits for its reply until
    the request's deadline."""

    GRACE_S = 0.25  # a reply sent just before the deadline still has this long to arrive

    def __init__(self, url: str, secret: bytes, prefix: str | None = None):
        self.redis = redis.Redis.from_url(url)
        self.prefix = market_prefix(url) if prefix is None else prefix
        self.signer = Signer(secret)
        self._subs: list[_RedisSubscription | _DurableSubscription] = []
        self.consumer: str | None = None
        self._feeds: dict[Channel, DurableFeed] = {}
        self._durable: dict[Channel, list[_DurableSubscription]] = {}
        self._dlock = threading.Lock()

    def resume_as(self, consumer: str) -> None:
        """Make later TICKS/FILLS subscriptions durable: read from the owner's log under the cursor of
        ``consumer``, so nothing published while this process or Redis was down is missed."""
        self.consumer = consumer

    def call(self, env: dict[str, Any], timeout: float) -> dict[str, Any]:
        key = reply_key(self.prefix, env["id"])
        wait = max(0.0, env["deadline"] / 1000 - time.time()) + self.GRACE_S
        try:
            # One round trip: the push, then the blocking wait for the reply on the same connection.
            pipe = self.redis.pipeline(transaction=False)
            pipe.lpush(self.prefix + "rpc", json.dumps(self.signer.sign(env)))
            pipe.brpop([key], timeout=max(0.01, wait))
            got = pipe.execute()[1]
        except redis.RedisError as err:
            raise BrokerUnavailable(f"Redis is unreachable: {err}") from None
        if got is None:
            raise RpcTimeout(
                f"the account owner did not answer {env['method']} within {timeout:.1f} s "
                "(is `gslts market` running?); it will not run the request later"
            )
        return json.loads(got[1])

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> _RedisSubscription | _DurableSubscription:
        if self.consumer is not None and channel in LOGGED_CHANNELS:
            return self._subscribe_durable(channel, codes, callback)
        sub = _RedisSubscription(self.redis, f"{self.prefix}ev:{channel.value}", set(codes), callback)
        self._subs.append(sub)
        return sub

    def _subscribe_durable(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> _DurableSubscription:
        with self._dlock:
            subs = self._durable.setdefault(channel, [])
            sub = _DurableSubscription(set(codes), callback, lambda: self._unsubscribe(channel, sub))
            self._durable[channel] = [*subs, sub]
            if channel not in self._feeds:
                assert self.consumer is not None
                self._feeds[channel] = DurableFeed(
                    self.redis, self.prefix, channel, self.consumer, lambda ev: self._dispatch(channel, ev)
                ).start()
        return sub

    def _unsubscribe(self, channel: Channel, sub: _DurableSubscription) -> None:
        with self._dlock:
            self._durable[channel] = [s for s in self._durable.get(channel, []) if s is not sub]

    def _dispatch(self, channel: Channel, event: object) -> None:
        for sub in self._durable.get(channel, ()):  # a list replaced, never mutated: no lock needed
            sub.deliver(event)

    def close(self) -> None:
        for feed in self._feeds.values():
            feed.stop()
        for sub in self._subs:
            sub.cancel()
        self.redis.close()


class _DurableSubscription:
    """A consumer's share of a ``DurableFeed``: the events of its codes."""

    def __init__(self, codes: set[str], callback: Callable[[object], None], remove: Callable[[], None]):
        self._codes = codes
        self._callback = callback
        self._remove = remove

    def deliver(self, event: object) -> None:
        if not self._codes or getattr(event, "code", None) in self._codes:
            self._callback(event)

    def cancel(self) -> None:
        self._remove()


class _RedisSubscription:
    def __init__(
        self, client: redis.Redis, channel: str, codes: set[str], callback: Callable[[object], None]
    ):
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{channel: self._on_message})
        self._codes = codes
        self._callback = callback
        self._errors = 0
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.05, daemon=True, exception_handler=self._on_error
        )

    def _on_error(self, err: BaseException, pubsub: Any, thread: Any) -> None:  # noqa: ARG002
        """Redis went away: keep the thread; the next read reconnects and subscribes again."""
        self._errors += 1
        if self._errors == 1 or self._errors % 30 == 0:
            log.warning("live events: Redis unavailable (%s); reconnecting", err)
        time.sleep(1.0)

    def _on_message(self, message: dict[str, Any]) -> None:
        for event in decode(json.loads(message["data"])):
            if not self._codes or getattr(event, "code", None) in self._codes:
                self._callback(event)

    def cancel(self) -> None:
        self._thread.stop()
        self._thread.join(timeout=2)  # the reader thread must finish before the socket closes
        self._pubsub.close()


class RedisRpcServer:
    """Serve requests for the owner (``Endpoint``) and publish its realtime events.

    One thread reads the request list; a pool answers, so a slow broker call never holds up a quote.
    Malformed, unsigned and expired entries are dropped with a log line and counted (``stats``); nothing
    stops the loop.
    """

    FLUSH_S = 0.02
    BATCH = 2000
    WORKERS = 8

    def __init__(
        self,
        endpoint: Endpoint,
        url: str,
        secret: bytes,
        prefix: str | None = None,
        inline_places: bool = False,
        log_maxlen: int = 200_000,
    ):
        self.endpoint = endpoint
        self.log_maxlen = log_maxlen
        # The paper market's orders commit in this process's database in milliseconds: placing a drained
        # batch right here (no hand-off) lets the next drain collect what arrived meanwhile — batches grow
        # with the load. A broker's orders (network calls) go to the pool instead.
        self.inline_places = inline_places
        self.redis = redis.Redis.from_url(url)
        self.prefix = market_prefix(url) if prefix is None else prefix
        self.signer = Signer(secret)
        self.stats = {"served": 0, "expired": 0, "malformed": 0, "unsigned": 0}
        self._stats_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="market-rpc-call")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queues: dict[tuple[Channel, bool], list[object]] = {}
        self._qlock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._wake = threading.Event()
        self.held = 0  # events waiting for Redis to come back

    def _count(self, what: str) -> None:
        with self._stats_lock:
            self.stats[what] += 1

    def publish(self, channel: Channel, events: list[object]) -> None:
        """One message on the channel, and for ticks and fills one entry on the durable log as well."""
        if not events:
            return
        payload = json.dumps(encode(events))
        with self.redis.pipeline(transaction=False) as pipe:
            if channel in LOGGED_CHANNELS:
                pipe.xadd(log_key(self.prefix, channel), {"d": payload}, maxlen=self.log_maxlen)
            pipe.publish(f"{self.prefix}ev:{channel.value}", payload)
            pipe.execute()

    def history_publisher(self, channel: Channel) -> Callable[[dict[str, Any]], None]:
        """A callback that queues one entry of history for the durable log only (no live page wants it):
        a caught-up step's ticks as columns (``wire.encode_tick_columns``), one log entry each. Ask for it
        before the live publisher: history comes first and is written first."""
        queue = self._queues.setdefault((channel, False), [])

        def put(entry: dict[str, Any]) -> None:
            with self._qlock:
                queue.append(entry)

        self._start_flusher()
        return put

    def publisher(self, channel: Channel) -> Callable[[object], None]:
        """A callback that queues one event; a flusher thread publishes the queue every ``FLUSH_S``
        in messages of at most ``BATCH`` events (one Redis round trip per tick would cap the feed),
        or at once after ``wake()`` (the market calls it at the end of each step)."""
        queue = self._queues.setdefault((channel, True), [])

        def put(event: object) -> None:
            with self._qlock:
                queue.append(event)

        self._start_flusher()
        return put

    def flush(self) -> int:
        """Publish everything queued now; returns the number of events published. When Redis fails
        midway, what was not published goes back to the head of its queue (in order) and the error is
        raised: an outage delays events, it never drops them."""
        with self._qlock:
            batches = {key: q[:] for key, q in self._queues.items() if q}
            for q in self._queues.values():
                q.clear()
        n = 0
        done = dict.fromkeys(batches, 0)
        try:
            for (channel, live), events in batches.items():
                if not live:  # history entries: one log entry each, already encoded
                    self._append_history(channel, events)
                    done[(channel, live)] = len(events)
                    n += len(events)
                    continue
                for i in range(0, len(events), self.BATCH):
                    self.publish(channel, events[i : i + self.BATCH])
                    done[(channel, live)] = min(len(events), i + self.BATCH)
                n += len(events)
        except redis.RedisError:
            with self._qlock:
                for key, events in batches.items():
                    self._queues[key][:0] = events[done[key] :]
                self.held = sum(len(q) for q in self._queues.values())
            raise
        self.held = 0
        return n

    def _append_history(self, channel: Channel, entries: list[object]) -> None:
        with self.redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                pipe.xadd(log_key(self.prefix, channel), {"d": json.dumps(entry)}, maxlen=self.log_maxlen)
            pipe.execute()

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
                except redis.RedisError as err:
                    log.warning("market events held while Redis is down: %d (%s)", self.held, err)
                    self._stop.wait(1.0)  # drop nothing: flush() kept them; retry on the next round

        self._flusher = threading.Thread(target=loop, name="market-publish", daemon=True)
        self._flusher.start()

    DRAIN = 64  # entries taken per round trip once one arrived

    def serve_once(self, timeout: float = 1.0) -> bool:
        """Take what is queued (waiting up to ``timeout`` for a first entry); True if any was taken."""
        # BLMPOP: wait for the first entry and take up to DRAIN in one round trip.
        got = self.redis.blmpop(
            max(1, int(timeout)), 1, self.prefix + "rpc", direction="RIGHT", count=self.DRAIN
        )
        if not got:
            return False
        places = []
        for raw in got[1]:
            env = self._admit(raw)
            if env is None:
                continue
            if env["method"] == "gateway.place":
                places.append(env)  # placed together: one store transaction per paper account
            else:
                self._pool.submit(self._answer, env)
        if places and self.inline_places:
            self._answer_places(places)
        elif places:
            self._pool.submit(self._answer_places, places)
        return True

    def _admit(self, raw: bytes) -> dict[str, Any] | None:
        """One entry, if it is a signed, well-formed request (else dropped, logged and counted)."""
        env = parse_envelope(raw)
        if isinstance(env, str):
            self._count("malformed")
            log.warning("market rpc: dropped a malformed request (%s, %d bytes)", env, len(raw))
            return None
        if not self.signer.valid(env):
            self._count("unsigned")
            log.warning("market rpc: dropped an unsigned or mis-signed %s request", env["method"])
            self._reply(env, {"error": {"type": "AuthError", "message": "request signature refused"}})
            return None
        return env

    def _in_time(self, env: dict[str, Any]) -> bool:
        late = expired_ms(env)
        if late > 0:  # the caller gave up: it must never run now
            self._count("expired")
            log.warning(
                "market rpc: discarded %s %s, %d ms past its deadline", env["method"], env["id"], late
            )
        return late <= 0

    def _answer_places(self, envs: list[dict[str, Any]]) -> None:
        envs = [env for env in envs if self._in_time(env)]
        if not envs:
            return
        try:
            replies = self.endpoint.handle_places(envs)
            pipe = self.redis.pipeline(transaction=False)
            for env, reply in zip(envs, replies, strict=True):
                key = reply_key(self.prefix, env["id"])
                pipe.lpush(key, json.dumps(reply))
                pipe.expire(key, 60)
            pipe.execute()
            with self._stats_lock:
                self.stats["served"] += len(envs)
        except redis.RedisError:
            log.warning("market rpc: could not reply to %d orders (Redis down)", len(envs))
        except Exception:  # noqa: BLE001 - the pool thread must survive anything
            log.exception("market rpc: answering %d orders failed", len(envs))

    def _answer(self, env: dict[str, Any]) -> None:
        if not self._in_time(env):
            return
        try:
            self._reply(env, self.endpoint.handle(env))
            self._count("served")
        except redis.RedisError:
            log.warning("market rpc: could not reply to %s (Redis down)", env["id"])
        except Exception:  # noqa: BLE001 - the pool thread must survive anything
            log.exception("market rpc: answering %s failed", env["id"])

    def _reply(self, env: dict[str, Any], reply: dict[str, Any]) -> None:
        key = reply_key(self.prefix, env["id"])
        pipe = self.redis.pipeline()
        pipe.lpush(key, json.dumps(reply))
        pipe.expire(key, 60)
        pipe.execute()

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.serve_once()
                except redis.RedisError:
                    self._stop.wait(1.0)  # Redis is down: keep the market running, retry
                except Exception:  # noqa: BLE001 - nothing a request holds may end this loop
                    log.exception("market rpc: unexpected error; continuing")

        self._thread = threading.Thread(target=loop, name="market-rpc", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=3)
        if self._flusher:
            self._flusher.join(timeout=3)
        self._pool.shutdown(wait=True, cancel_futures=False)
        with contextlib.suppress(redis.RedisError):
            self.flush()
        self.redis.close()
