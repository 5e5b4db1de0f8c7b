"""Live quote push for the trade page: ``GET /api/v1/stream/<code>`` (server-sent events).

A logged-in browser (the session cookie; 401 otherwise) gets ``text/event-stream`` messages whose data
is the trade page's ``trade-live`` payload (app/components/quote.py ``live_payload``: header texts,
book levels, tick age, and ``s``, the quote's tick timestamp) the moment the market publishes a tick
or a book of that code, and an age-only payload at least every ``HEARTBEAT_S`` (which also finds
clients that are gone: the write fails and the stream ends). assets/live.js applies them to the DOM.

Where the data comes from (``LiveHub``, one per process):

- embedded mode (this process owns the paper market): ``ServiceHub`` subscribes the MarketService to
  the watched codes' ticks and books; a push reads the quote and book from memory.
- full mode with the paper market (``gslts market`` publishes every stock's ticks and changed books
  on Redis, once per market step): ``RedisHub`` reads those channels (one pub/sub connection per
  web process, only while someone watches), keeps each watched code's quote current from its ticks
  (seeded and re-synced from the market's own ``quote``/``order_book`` over RPC, the recorder's cache
  as the fallback) and takes its books as they come. The recorder's cache is not on this path.
- KIS/Kiwoom: the broker feed (services/broker_feed.py) is the source. Embedded mode (this process owns
  the account): ``FeedHub`` listens to the feed's ticks and books of the watched codes (viewing a code
  subscribes it at the broker on demand). Full mode: ``gslts market``'s feed publishes them on the same
  Redis channels as the paper market, so ``RedisHub`` serves them, seeded from the feed's cache. Every
  payload carries the stale flag (``MarketData.is_stale``): the page shows 지연 데이터 / Stale data while
  the broker's websocket is down.

Each stream holds one server thread (gunicorn gthread: a worker's ``--threads``), so streams are capped
per process (``settings.live_stream_max``; beyond it 503 and the page polls), end after
``MAX_STREAM_S`` (the browser reconnects by itself, re-checking the login) and end at once when the
worker is told to stop (``end_streams``, chained to gunicorn's SIGTERM handler in app/wsgi.py), so a
graceful stop does not wait out gunicorn's graceful timeout.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from flask import Flask, Response, jsonify, stream_with_context
from flask_login import current_user

from app.components.quote import age_payload, live_payload
from services.container import Container
from trading.domain import KST, OrderBook, Quote, Tick

log = logging.getLogger(__name__)

HEARTBEAT_S = 1.0  # an age update at least this often (the page's tick age; finds gone clients)
MAX_STREAM_S = 600.0  # then the stream ends and the browser reconnects
RETRY_MS = 2000  # the browser's reconnect delay after the stream ended
RESYNC_S = 30.0  # RedisHub: re-read each watched quote from the market this often
LINGER_S = 30.0  # RedisHub: keep the pub/sub connection this long after the last stream ended

Snapshot = tuple[Quote, OrderBook, float | None]  # quote, book, tick age in seconds

_ending = threading.Event()  # set by end_streams(): every stream of this process ends within HEARTBEAT_S


def end_streams() -> None:
    """End this process's streams now (a graceful server stop waits for requests in flight, and a
    stream never finishes by itself); the browsers reconnect elsewhere or poll."""
    _ending.set()


def stopping() -> bool:
    """The server is stopping: streams end (``end_streams``)."""
    return _ending.is_set()


class NoFeed(RuntimeError):
    """This process has no live feed for the code (the page polls instead)."""


class _Entry:
    """One watched code: its streams, a change counter they wait on, and (RedisHub) its latest state."""

    def __init__(self, code: str):
        self.code = code
        self.cond = threading.Condition()
        self.version = 0
        self.watchers = 0
        self.handles: list[Any] = []
        self.quote: Quote | None = None
        self.book: OrderBook | None = None
        self.tick_wall: float | None = None  # wall time the last tick arrived
        self.synced = 0.0  # monotonic time of the last re-sync


class LiveHub:
    """Watched codes and change notification; subclasses feed the entries and read snapshots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self.streams = 0  # open streams in this process (the endpoint counts them)

    def watch(self, code: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(code)
            if entry is None:
                entry = _Entry(code)
                self._start(entry)  # may raise: nothing registered then
                self._entries[code] = entry
            entry.watchers += 1
            return entry

    def unwatch(self, entry: _Entry) -> None:
        with self._lock:
            entry.watchers -= 1
            if entry.watchers > 0 or self._entries.get(entry.code) is not entry:
                return
            del self._entries[entry.code]
        self._stop(entry)

    def changed(self, entry: _Entry) -> None:
        with entry.cond:
            entry.version += 1
            entry.cond.notify_all()

    def wait(self, entry: _Entry, seen: int, timeout: float) -> int:
        """The entry's version once it differs from ``seen``, or after ``timeout``."""
        with entry.cond:
            if entry.version == seen:
                entry.cond.wait(timeout)
            return entry.version

    def count_stream(self, delta: int) -> None:
        with self._lock:
            self.streams += delta

    def watched(self) -> list[str]:
        with self._lock:
            return sorted(self._entries)

    def stale(self, entry: _Entry) -> bool:
        """Whether the entry's data is stale (its source is down); the payloads carry it."""
        check = self.is_stale
        return bool(check(entry.code)) if check is not None else False

    is_stale: Callable[[str], bool] | None = None

    # subclass hooks
    def _start(self, entry: _Entry) -> None: ...
    def _stop(self, entry: _Entry) -> None: ...
    def snapshot(self, entry: _Entry) -> Snapshot:
        raise NotImplementedError

    def close(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            self._stop(entry)
            self.changed(entry)  # wake its streams; they see no entry change and carry on until they end


class _MarketDataHub(LiveHub):
    """A hub whose entries hold subscription handles and read quotes and books from ``self.md``."""

    md: Any

    def _stop(self, entry: _Entry) -> None:
        for handle in entry.handles:
            handle.cancel()
        entry.handles = []

    def snapshot(self, entry: _Entry) -> Snapshot:
        code = entry.code
        return self.md.quote(code), self.md.book(code), self.md.last_tick_age(code)


class ServiceHub(_MarketDataHub):
    """Embedded mode: the in-process MarketService calls back at the end of each step."""

    def __init__(self, service: Any, market_data: Any):  # MarketService, ServiceMarketData
        super().__init__()
        self.service = service
        self.md = market_data

    def _start(self, entry: _Entry) -> None:
        if not self.service.sim.has(entry.code):
            raise NoFeed(f"unknown code {entry.code}")
        notify = lambda _event: self.changed(entry)  # noqa: E731 - runs on the market thread: no work here
        entry.handles = [
            self.service.subscribe("ticks", [entry.code], notify),
            self.service.subscribe("books", [entry.code], notify),
        ]


class FeedHub(_MarketDataHub):
    """Embedded mode with KIS/Kiwoom: the owner's broker feed calls back on each tick and book."""

    def __init__(self, feed: Any, market_data: Any):  # services.broker_feed.BrokerFeed, BrokerMarketData
        super().__init__()
        self.feed = feed
        self.md = market_data
        self.is_stale = market_data.is_stale

    def _start(self, entry: _Entry) -> None:
        try:
            self.md.quote(entry.code)  # served on demand: waits for the feed's first snapshot
            self.md.book(entry.code)
        except LookupError as err:
            raise NoFeed(f"no data for {entry.code} yet") from err
        entry.handles = [self.feed.listen(entry.code, lambda _event: self.changed(entry))]


class RedisHub(LiveHub):
    """Full mode: the market's tick and book channels on Redis (see the module docstring)."""

    def __init__(
        self,
        redis_url: str,
        market: Callable[[str], Snapshot],
        cache: Callable[[str], Snapshot] | None = None,
        prefix: str | None = None,
    ):
        """``market(code)``: the market's own quote/book (RPC); ``cache(code)``: a quick first read (the
        recorder's cache), after which the reader thread re-syncs from the market at once."""
        super().__init__()
        import redis

        from trading.brokers.redis_rpc import market_prefix

        prefix = market_prefix(redis_url) if prefix is None else prefix
        self.redis = redis.Redis.from_url(redis_url)
        self.market = market
        self.cache = cache
        self.channels = (f"{prefix}ev:ticks", f"{prefix}ev:books")
        self._reader: threading.Thread | None = None
        self._closed = threading.Event()
        self._subscribed = threading.Event()
        self.received = 0  # events applied (tests, diagnostics)

    # --- entries ---------------------------------------------------------------------------------

    def _start(self, entry: _Entry) -> None:
        if self._reader is None or not self._reader.is_alive():
            self._subscribed.clear()
            self._reader = threading.Thread(target=self._run, name="live-hub-redis", daemon=True)
            self._reader.start()
        self._subscribed.wait(2.0)  # subscribed before the seed: no tick falls between the two
        if self.cache is not None:
            try:
                self._sync(entry, self.cache)
            except Exception:  # noqa: BLE001 - nothing cached: ask the market (the request waits)
                pass
            else:
                entry.synced = float("-inf")  # the reader re-syncs from the market right away
                return
        self._sync(entry, self.market)

    def _sync(self, entry: _Entry, source: Callable[[str], Snapshot]) -> None:
        """Take ``source``'s quote/book when not older than what the ticks built."""
        q, book, age = source(entry.code)
        with entry.cond:
            cur = entry.quote
            if cur is None or q.time >= cur.time:
                entry.quote = q
            elif q.time.astimezone(KST).date() == cur.time.astimezone(KST).date():
                entry.quote = replace(cur, prev_close=q.prev_close, open=q.open, upper_limit=q.upper_limit,
                                      lower_limit=q.lower_limit, high=max(cur.high, q.high),
                                      low=min(x for x in (cur.low, q.low) if x) if cur.low or q.low else 0)  # fmt: skip
            if entry.book is None or book.time >= entry.book.time:
                entry.book = book
            if entry.tick_wall is None and age is not None:
                entry.tick_wall = time.time() - age
            entry.synced = time.monotonic()

    def snapshot(self, entry: _Entry) -> Snapshot:
        with entry.cond:
            q, book, wall = entry.quote, entry.book, entry.tick_wall
        assert q is not None and book is not None  # set by _start
        return q, book, (max(0.0, time.time() - wall) if wall is not None else None)

    # --- the pub/sub reader ----------------------------------------------------------------------

    def _run(self) -> None:
        import redis

        idle_since: float | None = None
        while not self._closed.is_set():
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(*self.channels)
                self._subscribed.set()
                for entry in self._entries_now():  # events missed while (re)connecting
                    if time.monotonic() - entry.synced > 1.0:
                        self._resync(entry)
                while not self._closed.is_set():
                    batch = []
                    msg = pubsub.get_message(timeout=1.0)
                    while msg is not None:  # drain: a step's ticks and books become one notification
                        batch.append(msg)
                        msg = pubsub.get_message(timeout=0.0)
                    entries = self._entries_now()
                    if not entries:
                        idle_since = idle_since or time.monotonic()
                        if time.monotonic() - idle_since > LINGER_S:
                            with self._lock:
                                if not self._entries:
                                    self._reader = None
                                    return
                    else:
                        idle_since = None
                    if batch and entries:
                        self._apply(batch, entries)
                    now = time.monotonic()
                    for entry in entries:
                        if now - entry.synced > RESYNC_S:
                            self._resync(entry)
            except redis.RedisError as err:
                self._subscribed.clear()
                log.warning("live hub: Redis error (%s); reconnecting in 1 s", err)
                self._closed.wait(1.0)
            except Exception:  # noqa: BLE001 - keep the feed alive; the error is logged
                log.exception("live hub: reader failed; restarting in 1 s")
                self._closed.wait(1.0)
            finally:
                with contextlib.suppress(Exception):
                    pubsub.close()

    def _entries_now(self) -> list[_Entry]:
        with self._lock:
            return list(self._entries.values())

    def _resync(self, entry: _Entry) -> None:
        try:
            self._sync(entry, self.market)
        except Exception as err:  # noqa: BLE001 - the ticks keep it current meanwhile
            entry.synced = time.monotonic()
            log.warning("live hub: re-sync of %s failed: %s", entry.code, err)
            return
        self.changed(entry)

    def _apply(self, batch: list[dict], entries: list[_Entry]) -> None:
        from trading.brokers.wire import decode

        by_code = {e.code: e for e in entries}
        needles = [(f'"code": "{code}"').encode() for code in by_code]
        touched: dict[str, _Entry] = {}
        wall = time.time()
        for msg in batch:
            raw = msg.get("data")
            if not isinstance(raw, bytes) or not any(n in raw for n in needles):
                continue  # every stock's events come by; parse only messages naming a watched code
            for item in json.loads(raw):
                entry = by_code.get(item.get("code")) if isinstance(item, dict) else None
                if entry is None:
                    continue
                event = decode(item)
                with entry.cond:
                    if isinstance(event, Tick):
                        entry.quote = _with_tick(entry.quote, event)
                        entry.tick_wall = wall
                    elif isinstance(event, OrderBook) and (
                        entry.book is None or event.time >= entry.book.time
                    ):
                        entry.book = event
                self.received += 1
                touched[entry.code] = entry
        for entry in touched.values():
            self.changed(entry)

    def close(self) -> None:
        self._closed.set()
        super().close()
        reader = self._reader
        if reader is not None:
            reader.join(timeout=3)
        self.redis.close()


def _with_tick(q: Quote | None, t: Tick) -> Quote:
    """The quote after trade print ``t`` (as the recorder's QuoteTracker; a new session restarts OHLC)."""
    if q is None:
        return Quote(t.code, t.price, t.price, t.price, t.price, t.price, t.cum_volume, t.cum_value, 0, 0, t.time,
                     float(t.strength))  # fmt: skip
    if t.time < q.time:
        return q  # older than what we have
    if t.time.astimezone(KST).date() != q.time.astimezone(KST).date():
        return replace(q, price=t.price, prev_close=q.price, open=t.price, high=t.price, low=t.price,
                       volume=t.cum_volume, value=t.cum_value, time=t.time, strength=float(t.strength))  # fmt: skip
    return replace(q, price=t.price, open=q.open or t.price, high=max(q.high, t.price),
                   low=min(q.low, t.price) if q.low else t.price, volume=t.cum_volume, value=t.cum_value,
                   time=t.time, strength=float(t.strength))  # fmt: skip


# --- per process ---------------------------------------------------------------------------------

_hub_lock = threading.Lock()


NO_HUB = object()  # built, and this process has no live feed


def live_hub(rt: Container) -> LiveHub | None:
    """This process's hub (created on first use), or None when it has no live feed."""
    with _hub_lock:
        if rt.live_hub is None:
            rt.live_hub = _make_hub(rt) or NO_HUB
        return None if rt.live_hub is NO_HUB else rt.live_hub


def _make_hub(rt: Container) -> LiveHub | None:
    s = rt.settings
    if s.embedded:
        rt.market_data()  # resolves ownership: the embedded web process owns the market or the account
    service = rt.market_service()
    if service is not None:
        return ServiceHub(service, rt.market_data())
    feed = rt.owner.feed if rt.owner is not None else None
    if feed is not None:
        return FeedHub(feed, rt.market_data())
    if s.embedded or not s.redis_url:
        return None
    if s.broker != "paper":  # gslts market's broker feed: its cache, then its ticks and books on Redis
        md = rt.market_data()

        def feed_cache(code: str) -> Snapshot:
            return md.quote(code), md.book(code), md.last_tick_age(code)

        hub = RedisHub(s.redis_url, feed_cache, feed_cache)
        hub.is_stale = md.is_stale
        return hub
    market_reads = rt.reader()

    def market(code: str) -> Snapshot:  # the market's own state (open, limits): two RPCs
        return market_reads.quote(code), market_reads.order_book(code), rt.market_data().last_tick_age(code)

    def cache(code: str) -> Snapshot:  # the recorder's cache: one Redis read each
        md = rt.market_data()
        return md.quote(code), md.book(code), md.last_tick_age(code)

    return RedisHub(s.redis_url, market, cache)


# --- the endpoint --------------------------------------------------------------------------------


def _sse(data: dict[str, Any]) -> str:
    return "data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n\n"


def _events(hub: LiveHub, entry: _Entry) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    seen = -1
    last: dict[str, Any] | None = None
    sent = 0.0
    end = time.monotonic() + MAX_STREAM_S
    while time.monotonic() < end and not _ending.is_set():
        version = hub.wait(entry, seen, HEARTBEAT_S)
        q, book, age = hub.snapshot(entry)
        stale = hub.stale(entry)
        now = time.monotonic()
        if version != seen:
            seen = version
            data = live_payload(q, book, age, stale)
            same = {k: v for k, v in data.items() if k not in ("age", "agec")}
            if same != last:  # a step's tick and book callbacks wake the stream twice: send once
                last = same
                sent = now
                yield _sse(data)
                continue
        if now - sent >= HEARTBEAT_S:
            sent = now
            yield _sse(age_payload(q, age, stale))


def init_stream(server: Flask, rt: Container) -> None:
    """Register ``/api/v1/stream/<code>`` on ``server``."""
    from app.components.data import stock

    limit = rt.settings.live_stream_max
    slots = threading.BoundedSemaphore(limit) if limit else None

    def refuse(message: str, status: int = 503) -> Response:
        resp = jsonify(error=message)
        resp.status_code = status
        if status == 503:
            resp.headers["Retry-After"] = "30"
        return resp

    @server.get("/api/v1/stream/<code>")
    def live_stream(code: str):  # noqa: ANN202
        # /api/v1/ is outside the login redirect (token-authenticated RPC lives there): check here.
        if not current_user.is_authenticated:
            return refuse("login required", 401)
        code = code.strip().upper()
        if stock(code) is None:
            return refuse(f"unknown code {code}", 404)
        if slots is None:
            return refuse("live streams are off (LIVE_STREAM_MAX=0); the page polls")
        if _ending.is_set():
            return refuse("the server is stopping")
        try:
            hub = live_hub(rt)
        except Exception as err:  # noqa: BLE001 - e.g. the broker cannot start: the page polls
            return refuse(f"no live feed: {err}")
        if hub is None:
            return refuse("no live feed in this mode; the page polls")
        if not slots.acquire(blocking=False):
            return refuse(f"too many live streams in this process ({limit}); the page polls")
        try:
            entry = hub.watch(code)
        except Exception as err:  # noqa: BLE001 - NoFeed, or the market/Redis is unreachable
            slots.release()
            return refuse(f"no live feed for {code}: {err}")
        hub.count_stream(+1)
        done = threading.Lock()

        def cleanup() -> None:  # once, whether the body ran to its end, failed or never started
            if done.acquire(blocking=False):
                hub.count_stream(-1)
                hub.unwatch(entry)
                slots.release()

        def body() -> Iterator[str]:
            try:
                yield from _events(hub, entry)
            except SystemExit:
                return  # dash.testing's server ends its request threads so: end the stream, quietly
            finally:
                cleanup()

        resp = Response(stream_with_context(body()), mimetype="text/event-stream")
        resp.headers["Cache-Control"] = "no-cache"
        resp.headers["X-Accel-Buffering"] = "no"  # a reverse proxy must not buffer the stream
        resp.call_on_close(cleanup)
        return resp
