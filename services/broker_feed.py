"""The market-data service of a KIS/Kiwoom account: what the paper market is for the paper account.

Run by the account owner (``services/owner.py``: ``gslts run`` in embedded mode, ``gslts market`` in full
mode), it is the only reader of the broker's market data, so pages never call the broker:

- **Ranking**: the broker's TOP ``BROKER_RANKING_SIZE`` by 거래대금 (the adapter pages as its API needs),
  every ``BROKER_RANKING_REFRESH_S``; names, markets and sectors from the stock master. A sector filter
  on the ranking page asks for that sector (``want_sectors``): its listed stocks outside the TOP are
  swept by REST quotes at ``BROKER_SWEEP_PER_S``, so the sector's own TOP N comes from the stock master
  plus the broker's 거래대금.
- **Quotes and books** of the codes pages view (``watch``): a REST snapshot first, then the websocket's
  ticks and books while the registration limit allows (the adapter's ``ws_code_capacity``); beyond it
  the least recently viewed code leaves the websocket and is REST-polled every ``BROKER_POLL_S`` while
  it is still viewed (``BROKER_VIEW_TTL_S``).
- **Minute bars** of those codes for the chart: today's from REST once the quote and book are in, then
  the current minute from the websocket's ticks (REST again every minute for a polled code).
- **Own fills** from the websocket's notices (KIS needs the HTS ID).

Everything goes into the cache the pages read (``services/market_cache.py``: memory in embedded mode,
Redis in full mode), with a status heartbeat that marks data stale (``is_stale``) when the websocket is
down or a polled code falls behind; ticks, books and fills also go to ``publish`` (full mode: the
market's Redis channels, which the web's live stream reads) and to in-process listeners (embedded mode's
live stream). Broker errors never stop it: each loop logs, backs off and tries again; the adapter's
websocket reconnects by itself (``BROKER_WS_MAX_RECONNECT_S``) and records each gap.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from trading.brokers.base import Channel
from trading.domain import KST, Bar, Fill, OrderBook, Quote, RankRow, Tick

log = logging.getLogger(__name__)

STATUS_EVERY_S = 0.5
BARS_AGAIN_S = 60.0  # a REST-polled code's minute bars are fetched again after this long
SECTOR_KEY = "s:"  # a view key for a sector filter (``add_view``), else a stock code
SWEEP_AGAIN_S = 60.0  # a swept stock is swept again after this long (while its sector is wanted)


@dataclass(frozen=True, slots=True)
class StockInfo:
    name: str
    market: str
    sector: str  # sector code (trading/sectors.py)


@dataclass(frozen=True, slots=True)
class FeedOptions:
    ranking_refresh_s: float = 5.0
    ranking_size: int = 100
    poll_s: float = 2.0
    stale_s: float = 3.0
    view_ttl_s: float = 600.0
    sweep_per_s: float = 0.5
    with_fills: bool = True
    write_every_s: float = 0.0  # > 0: ticks' quotes and books reach the cache in batches this often (Redis)

    @classmethod
    def from_settings(cls, settings: Any) -> FeedOptions:
        return cls(
            ranking_refresh_s=settings.broker_ranking_refresh_s,
            ranking_size=settings.broker_ranking_size,
            poll_s=settings.broker_poll_s,
            stale_s=settings.broker_stale_s,
            view_ttl_s=settings.broker_view_ttl_s,
            sweep_per_s=settings.broker_sweep_per_s,
        )

    @property
    def poll_stale_s(self) -> float:
        return max(self.stale_s, 3 * self.poll_s)


Publish = Callable[[Channel, object], None]


def quote_after_tick(q: Quote | None, t: Tick) -> Quote:
    """The quote after trade print ``t`` (a new session restarts open/high/low)."""
    if q is None:
        return Quote(t.code, t.price, t.price, t.price, t.price, t.price, t.cum_volume, t.cum_value, 0, 0, t.time,
                     float(t.strength))  # fmt: skip
    if t.time < q.time.replace(microsecond=0):  # ticks carry whole seconds; a REST snapshot does not
        return q
    if t.time.astimezone(KST).date() != q.time.astimezone(KST).date():
        return replace(q, price=t.price, prev_close=q.price, open=t.price, high=t.price, low=t.price,
                       volume=t.cum_volume, value=t.cum_value, time=t.time, strength=float(t.strength))  # fmt: skip
    return replace(q, price=t.price, open=q.open or t.price, high=max(q.high, t.price),
                   low=min(q.low, t.price) if q.low else t.price, volume=t.cum_volume or q.volume,
                   value=t.cum_value or q.value, time=t.time, strength=float(t.strength))  # fmt: skip


def _merge_fetched(fetched: list[Bar], live: list[Bar]) -> list[Bar]:
    """REST minute bars with the bars built from ticks meanwhile: the fetched (still open) last minute keeps the
    ticks that arrived during the fetch, as its high/low and its close; newer minutes come from the ticks."""
    if not fetched:
        return list(live)
    last = fetched[-1]
    same = next((b for b in live if b.time == last.time), None)
    if same is not None:
        last = Bar(last.code, last.time, last.open, max(last.high, same.high), min(last.low, same.low), same.close,
                   max(last.volume, same.volume), max(last.value, same.value))  # fmt: skip
    return [*fetched[:-1], last, *(b for b in live if b.time > last.time)]


class _Listener:
    def __init__(self, feed: BrokerFeed, code: str, callback: Callable[[object], None]):
        self.feed, self.code, self.callback = feed, code, callback

    def cancel(self) -> None:
        with self.feed._lock:
            subs = self.feed._listeners.get(self.code, [])
            if self in subs:
                subs.remove(self)


class BrokerFeed:
    """See the module docstring. ``start()`` runs its two threads; ``close()`` stops them."""

    def __init__(
        self,
        adapter: Any,
        cache: Any,
        master: dict[str, StockInfo],
        opts: FeedOptions | None = None,
        publish: Publish | None = None,
    ):
        self.adapter = adapter
        self.cache = cache
        self.master = master
        self.opts = opts or FeedOptions()
        self.publish = publish
        self.on_fill: Callable[[Fill], None] | None = None  # e.g. an immediate broker sync
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._views: collections.OrderedDict[str, float] = collections.OrderedDict()  # code → last view
        self._ws: dict[str, list[Any]] = {}  # codes on the websocket → their subscriptions
        self._polled: dict[str, float] = {}  # REST-polled codes → monotonic time of the last poll
        self._pending: collections.deque[str] = collections.deque()  # codes waiting for a snapshot
        self._quotes: dict[str, Quote] = {}
        self._bars: dict[str, list[Bar]] = {}  # today's 1-minute bars of the served codes
        self._bars_at: dict[str, float] = {}  # code → monotonic time of the last REST fetch
        self._bars_dirty: set[str] = set()
        self._bar_queue: collections.deque[str] = collections.deque()
        self._top: list[RankRow] = []
        self._swept: dict[str, tuple[RankRow, float]] = {}  # code → (row, monotonic time)
        self._sweep: collections.deque[str] = collections.deque()
        self._sectors: dict[str, float] = {}  # wanted sector → monotonic time of the last ask
        self._listeners: dict[str, list[_Listener]] = {}
        self._fills_sub: Any = None
        self._unwritten_quotes: dict[str, Quote] = {}
        self._unwritten_books: dict[str, OrderBook] = {}
        self._capacity: int | None = None
        self._connected_before = False
        self._views_seen = time.time() - 1.0
        self.last_error: str | None = None
        self.ranking_at: float | None = None  # monotonic time of the last good ranking
        self.rest_errors = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> BrokerFeed:
        self._subscribe_fills()
        loops = [("broker-feed-ranking", self._ranking_loop), ("broker-feed-rest", self._rest_loop)]
        if self.opts.write_every_s > 0:
            loops.append(("broker-feed-writer", self._write_loop))
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        with self._lock:
            subs = [s for group in self._ws.values() for s in group]
            self._ws.clear()
        for sub in [*subs, self._fills_sub]:
            if sub is not None:
                sub.cancel()

    # --- what pages ask for ------------------------------------------------------------------------

    def watch(self, code: str) -> None:
        """A page views ``code``: serve it (snapshot, then websocket or REST poll) and keep it fresh."""
        if code not in self.master:
            return
        with self._lock:
            self._views[code] = time.monotonic()
            self._views.move_to_end(code)
            if code in self._ws or code in self._polled or code in self._pending:
                return
            self._pending.append(code)
        self._wake.set()

    def want_sectors(self, sectors: Iterable[str]) -> None:
        """The ranking page filters by ``sectors``: sweep their stocks' 거래대금 (those outside the TOP)."""
        now = time.monotonic()
        with self._lock:
            for sector in sectors:
                fresh = now - self._sectors.get(sector, -1e9) < SWEEP_AGAIN_S
                self._sectors[sector] = now
                if fresh:
                    continue
                top = {r.code for r in self._top}
                queued = set(self._sweep)
                for code, info in self.master.items():
                    if info.sector == sector and code not in top and code not in queued:
                        self._sweep.append(code)
        self._wake.set()

    def listen(self, code: str, callback: Callable[[object], None]) -> _Listener:
        """Call ``callback(event)`` on each tick or book of ``code`` (the embedded live stream)."""
        listener = _Listener(self, code, callback)
        with self._lock:
            self._listeners.setdefault(code, []).append(listener)
        return listener

    def serving(self) -> dict[str, list[str]]:
        with self._lock:
            return {"ws": sorted(self._ws), "polled": sorted(self._polled), "pending": list(self._pending)}

    def status(self) -> dict[str, Any]:
        """The heartbeat the cache keeps (``stale_from`` reads it) and health shows."""
        feed = self.adapter.feed_status()
        with self._lock:
            ws = sorted(self._ws)
            polled = sorted(self._polled)
        return {
            "at": time.time(),
            "broker": getattr(self.adapter, "name", ""),
            "connected": bool(feed.get("connected")),
            "ws": ws,
            "polled": polled,
            "stale_s": self.opts.stale_s,
            "poll_stale_s": self.opts.poll_stale_s,
            "reconnects": feed.get("reconnects", 0),
            "gaps": feed.get("gaps", [])[-5:],
            "ws_error": feed.get("last_error"),
            "last_error": self.last_error,
            "ranking_age_s": None
            if self.ranking_at is None
            else round(time.monotonic() - self.ranking_at, 1),
        }

    # --- the ranking -----------------------------------------------------------------------------

    def _ranking_loop(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            started = time.monotonic()
            try:
                rows = self.adapter.ranking(limit=self.opts.ranking_size)
            except Exception as err:  # noqa: BLE001 - the broker is down or refuses: try again later
                self._error("ranking", err)
                delay = min(max(self.opts.ranking_refresh_s, 1.0) * 2, 30.0)
                continue
            with self._lock:
                self._top = [self._enrich(r) for r in rows if r.code]
                self.ranking_at = time.monotonic()
            self._put_ranking()
            # Every ``ranking_refresh_s``, but a round slowed by the rate limit (KIS mock: 1/s) is followed
            # by as long a pause, so snapshots of the stocks pages open get at least half the calls.
            elapsed = time.monotonic() - started
            delay = max(0.0, self.opts.ranking_refresh_s - elapsed, elapsed - 1.0)

    def _enrich(self, row: RankRow) -> RankRow:
        info = self.master.get(row.code)
        if info is None:
            return row
        return replace(row, name=info.name or row.name, market=info.market or row.market, sector=info.sector)

    def _put_ranking(self) -> None:
        with self._lock:
            rows = {code: row for code, (row, _) in self._swept.items()}
            rows.update({r.code: r for r in self._top})
        ranked = sorted(rows.values(), key=lambda r: r.value, reverse=True)
        self.cache.put_ranking([replace(r, rank=i + 1) for i, r in enumerate(ranked)], datetime.now(KST))

    # --- REST: snapshots, polls, the sector sweep, the heartbeat -----------------------------------

    def _rest_loop(self) -> None:
        last_status = 0.0
        last_sweep = 0.0
        backoff_until = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_status >= STATUS_EVERY_S:
                last_status = now
                self._heartbeat()
            if now < backoff_until:
                self._wake.wait(min(0.1, backoff_until - now))
                self._wake.clear()
                continue
            try:
                did = self._seed_one() or self._poll_one() or self._bars_one()
                sweep_due = self.opts.sweep_per_s > 0 and now - last_sweep >= 1.0 / self.opts.sweep_per_s
                if not did and self._sweep and sweep_due:
                    last_sweep = now
                    did = self._sweep_one()
            except Exception as err:  # noqa: BLE001 - a broker outage: back off, the loop goes on
                self._error("REST", err)
                backoff_until = time.monotonic() + min(2.0 * (1 + min(self.rest_errors, 4)), 10.0)
                continue
            self.rest_errors = 0
            if not did:
                self._wake.wait(0.1)
                self._wake.clear()

    def _heartbeat(self) -> None:
        try:
            for key, _at in self.cache.views_since(self._views_seen):
                self._views_seen = max(self._views_seen, _at)
                if key.startswith(SECTOR_KEY):
                    self.want_sectors([key[len(SECTOR_KEY) :]])
                else:
                    self.watch(key)
            self._expire()
            self._flush_bars()
            status = self.status()
            if status["connected"] and not self._connected_before:
                if status["reconnects"]:
                    log.info("broker feed: websocket live again (%d reconnects)", status["reconnects"])
                self._resync_ws()  # back after a gap: fresh snapshots of what the websocket serves
            elif self._connected_before and not status["connected"]:
                log.warning("broker feed: websocket down (%s); %d codes stale until it reconnects (with backoff)",
                            status["ws_error"] or "closed", len(status["ws"]))  # fmt: skip
            self._connected_before = status["connected"]
            self.cache.put_status(status)
        except Exception as err:  # noqa: BLE001 - e.g. Redis down: the next heartbeat tries again
            self._error("status", err)

    def _expire(self) -> None:
        """Codes nobody viewed for ``view_ttl_s`` leave the websocket and the poll."""
        cutoff = time.monotonic() - self.opts.view_ttl_s
        with self._lock:
            old = [c for c, t in self._views.items() if t < cutoff]
            for code in old:
                del self._views[code]
                self._polled.pop(code, None)
                self._bars.pop(code, None)
            gone = [self._ws.pop(c) for c in old if c in self._ws]
            for sector, t in list(self._sectors.items()):
                if t < cutoff:
                    del self._sectors[sector]
        for subs in gone:
            for sub in subs:
                sub.cancel()

    def _resync_ws(self) -> None:
        with self._lock:
            for code in self._ws:
                if code not in self._pending:
                    self._pending.append(code)
        self._wake.set()

    def _seed_one(self) -> bool:
        with self._lock:
            if not self._pending:
                return False
            code = self._pending[0]
        self._snapshot(code)
        with self._lock:
            if self._pending and self._pending[0] == code:
                self._pending.popleft()
            first = code not in self._ws and code not in self._polled
        if first:
            self._place(code)
            with self._lock:
                self._bar_queue.append(code)  # the minute chart after the quote and book
        return True

    def _poll_one(self) -> bool:
        now = time.monotonic()
        with self._lock:
            due = [(t, c) for c, t in self._polled.items() if now - t >= self.opts.poll_s]
            if not due:
                return False
            code = min(due)[1]
            self._polled[code] = now
        self._snapshot(code)
        return True

    def _snapshot(self, code: str) -> None:
        """REST quote and book of ``code`` into the cache (and to the listeners)."""
        q = self.adapter.quote(code)
        book = self.adapter.order_book(code)
        with self._lock:
            cur = self._quotes.get(code)
            if cur is not None and cur.time > q.time:
                q = replace(q, price=cur.price, time=cur.time)  # a tick came in meanwhile: keep it
            self._quotes[code] = q
            if code in self._polled:
                self._polled[code] = time.monotonic()
        self.cache.put_quotes([q])
        self.cache.put_book(book)
        self._notify(code, q)

    def _bars_one(self) -> bool:
        """Today's minute bars of one served code (first view; REST-polled codes again every minute)."""
        now = time.monotonic()
        with self._lock:
            if not self._bar_queue:
                again = [c for c in self._polled if now - self._bars_at.get(c, -1e9) >= BARS_AGAIN_S]
                self._bar_queue.extend(again[:1])
            if not self._bar_queue:
                return False
            code = self._bar_queue.popleft()
            self._bars_at[code] = now
        fetched = self.adapter.minute_bars(code, datetime.now(KST).date())
        with self._lock:
            self._bars[code] = _merge_fetched(fetched, self._bars.get(code, []))
            self._bars_dirty.add(code)
        return True

    def _bars_after_tick(self, tick: Tick) -> None:
        """The current minute bar of ``tick``'s code, updated in place (call with the lock held)."""
        start = tick.time.replace(second=0, microsecond=0)
        bars = self._bars.setdefault(tick.code, [])
        amount = tick.price * tick.volume
        if bars and bars[-1].time == start:
            b = bars[-1]
            bars[-1] = Bar(b.code, start, b.open, max(b.high, tick.price), min(b.low, tick.price), tick.price,
                           b.volume + tick.volume, b.value + amount)  # fmt: skip
        elif not bars or bars[-1].time < start:
            bars.append(
                Bar(tick.code, start, tick.price, tick.price, tick.price, tick.price, tick.volume, amount)
            )
        self._bars_dirty.add(tick.code)

    def _flush_bars(self) -> None:
        with self._lock:
            dirty, self._bars_dirty = self._bars_dirty, set()
            bars = {code: list(self._bars.get(code, [])) for code in dirty}
        for code, rows in bars.items():
            self.cache.put_bars(code, rows)

    def _sweep_one(self) -> bool:
        with self._lock:
            code = self._sweep.popleft() if self._sweep else None
            if code is None:
                return False
            last = self._swept.get(code)
            if last is not None and time.monotonic() - last[1] < SWEEP_AGAIN_S:
                return True
        q = self.adapter.quote(code)
        info = self.master.get(code)
        value = q.value or q.price * q.volume  # 거래대금 not in the TR (Kiwoom ka10001): price x volume
        row = RankRow(0, code, info.name if info else code, info.market if info else "",
                      info.sector if info else "", q.price, q.prev_close, q.volume, value)  # fmt: skip
        with self._lock:
            self._swept[code] = (row, time.monotonic())
        self._put_ranking()
        return True

    # --- the websocket ---------------------------------------------------------------------------

    def capacity(self) -> int:
        if self._capacity is None:
            try:
                self._capacity = int(self.adapter.ws_code_capacity(self._fills_sub is not None))
            except Exception as err:  # noqa: BLE001 - no websocket: everything is polled
                self._error("websocket capacity", err)
                self._capacity = 0
        return self._capacity

    def _place(self, code: str) -> None:
        """Put a newly viewed code on the websocket, evicting the least recently viewed one when full
        (it is REST-polled while still viewed); REST-poll it when the websocket cannot take it."""
        evicted: list[Any] = []
        with self._lock:
            if code in self._ws:
                return
            if len(self._ws) >= self.capacity() > 0:
                lrv = min(self._ws, key=lambda c: self._views.get(c, 0.0))
                if self._views.get(lrv, 0.0) <= self._views.get(code, 0.0):
                    evicted = self._ws.pop(lrv)
                    self._polled[lrv] = time.monotonic()
            room = len(self._ws) < self.capacity()
        for sub in evicted:
            sub.cancel()
        if room:
            try:
                subs = [
                    self.adapter.subscribe(Channel.TICKS, [code], self._on_tick),
                    self.adapter.subscribe(Channel.BOOKS, [code], self._on_book),
                ]
            except Exception as err:  # noqa: BLE001 - the cap (BrokerUnavailable) or a bad code: poll it
                self._error(f"subscribe {code}", err)
            else:
                with self._lock:
                    self._ws[code] = subs
                    self._polled.pop(code, None)
                return
        with self._lock:
            self._polled[code] = time.monotonic()

    def _subscribe_fills(self) -> None:
        if not self.opts.with_fills:
            return
        try:
            self._fills_sub = self.adapter.subscribe(Channel.FILLS, [], self._on_fill)
        except Exception as err:  # noqa: BLE001 - e.g. KIS without the HTS ID: fills come by sync only
            log.warning("broker feed: no own-fill notices (%s)", err)

    def _on_tick(self, tick: object) -> None:
        if not isinstance(tick, Tick):
            return
        with self._lock:
            q = quote_after_tick(self._quotes.get(tick.code), tick)
            self._quotes[tick.code] = q
            self._bars_after_tick(tick)
            batched = self.opts.write_every_s > 0
            if batched:
                self._unwritten_quotes[tick.code] = q
        if not batched:
            self.cache.put_quotes([q])
        if self.publish is not None:
            self.publish(Channel.TICKS, tick)
        self._notify(tick.code, tick)

    def _on_book(self, book: object) -> None:
        if not isinstance(book, OrderBook):
            return
        if self.opts.write_every_s > 0:
            with self._lock:
                self._unwritten_books[book.code] = book
        else:
            self.cache.put_book(book)
        if self.publish is not None:
            self.publish(Channel.BOOKS, book)
        self._notify(book.code, book)

    def _on_fill(self, fill: object) -> None:
        if not isinstance(fill, Fill):
            return
        try:
            self.cache.put_fill(fill)
            if self.publish is not None:
                self.publish(Channel.FILLS, fill)
            if self.on_fill is not None:
                self.on_fill(fill)
        except Exception as err:  # noqa: BLE001 - the websocket thread must go on
            self._error("fill", err)

    def _write_loop(self) -> None:
        """Full mode: the ticks' latest quote and book per code go to Redis in one batch every
        ``write_every_s`` (a round trip per tick would hold up the websocket's thread)."""
        while not self._stop.wait(self.opts.write_every_s):
            with self._lock:
                quotes, self._unwritten_quotes = self._unwritten_quotes, {}
                books, self._unwritten_books = self._unwritten_books, {}
            try:
                if quotes:
                    self.cache.put_quotes(list(quotes.values()))
                for book in books.values():
                    self.cache.put_book(book)
            except Exception as err:  # noqa: BLE001 - Redis down: the next batch has the newer state
                self._error("cache write", err)

    def _notify(self, code: str, event: object) -> None:
        with self._lock:
            listeners = list(self._listeners.get(code, ()))
        for listener in listeners:
            try:
                listener.callback(event)
            except Exception:  # noqa: BLE001 - a bad listener must not stop the feed
                log.exception("broker feed: listener of %s failed", code)

    def _error(self, what: str, err: Exception) -> None:
        self.rest_errors += 1
        message = f"{what}: {type(err).__name__}: {err}"
        if message != self.last_error:
            log.warning("broker feed: %s", message)
        self.last_error = message


def stock_infos(stocks: Iterable[Any]) -> dict[str, StockInfo]:
    """The stock master (``db.repositories.stocks.all_stocks`` rows) as the feed needs it."""
    return {s.code: StockInfo(s.name_ko, s.market, s.sector_code or "") for s in stocks}


class BrokerMarketData:
    """``services.market_data.MarketData`` over the broker feed's cache: reads the cache, and tells the
    feed what pages view (in process, or through the cache's views in full mode). A code nobody served
    yet waits up to ``open_wait_s`` for its first snapshot."""

    def __init__(self, cache: Any, feed: BrokerFeed | None = None, open_wait_s: float = 5.0):
        self.cache = cache
        self.feed = feed
        self.open_wait_s = open_wait_s
        self._told: dict[str, float] = {}

    def _view(self, key: str) -> None:
        now = time.monotonic()
        if now - self._told.get(key, -1e9) < 1.0:
            return
        self._told[key] = now
        if self.feed is not None:
            if key.startswith(SECTOR_KEY):
                self.feed.want_sectors([key[len(SECTOR_KEY) :]])
            else:
                self.feed.watch(key)
        else:
            self.cache.add_view(key)

    def _wait(self, read: Callable[[str], Any], code: str) -> Any:
        from services.market_cache import NotCached

        self._view(code)
        end = time.monotonic() + self.open_wait_s
        while True:
            try:
                return read(code)
            except NotCached:
                if time.monotonic() >= end:
                    raise
                time.sleep(0.05)

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        return self.cache.ranking(limit, market)

    def ranking_time(self) -> Any:
        return self.cache.ranking_time()

    def quote(self, code: str) -> Quote:
        return self._wait(self.cache.quote, code)

    def book(self, code: str) -> OrderBook:
        return self._wait(self.cache.book, code)

    def intraday_bars(self, code: str, interval: int = 1) -> list:
        return self.cache.intraday_bars(code, interval)

    def last_tick_age(self, code: str) -> float | None:
        return self.cache.last_tick_age(code)

    def is_stale(self, code: str) -> bool:
        return self.cache.is_stale(code)

    def want_sectors(self, sectors: Iterable[str]) -> None:
        for sector in sectors:
            self._view(SECTOR_KEY + sector)

    def feed_status(self) -> dict | None:
        return self.cache.feed_status()


class FeedReads:
    """The owner's market reads with a broker feed: the ranking, quotes and books from the feed's cache
    (no extra broker calls for them; a code is served on demand), everything else from the adapter.
    What the owner answers over RPC (e.g. the recorder in full mode)."""

    def __init__(self, adapter: Any, market_data: BrokerMarketData):
        self._adapter = adapter
        self._md = market_data

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        return self._md.ranking(limit, market)

    def quote(self, code: str) -> Quote:
        return self._md.quote(code)

    def order_book(self, code: str) -> OrderBook:
        return self._md.book(code)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)
