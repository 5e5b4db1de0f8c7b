"""The latest ranking, quotes and order books for the web app (no per-viewer broker calls).

Full mode: Redis keys ``gslts:md:ranking`` (JSON: time + rows), ``gslts:md:quote:{code}`` and
``gslts:md:book:{code}`` (JSON with the tick time), ``gslts:md:tick:{code}`` (epoch seconds of the
last tick). Embedded mode: ``MemoryMarketCache`` (in-process dicts). Both readers implement
``services.market_data.MarketData``; intraday bars come from ``minute_bars`` when an engine is given.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Protocol

from trading.domain import KST, Bar, BookLevel, OrderBook, Quote, RankRow

PREFIX = "gslts:md:"


class MarketCacheWriter(Protocol):
    def put_ranking(self, rows: list[RankRow], at: datetime) -> None: ...
    def put_quotes(self, quotes: list[Quote]) -> None: ...
    def put_book(self, book: OrderBook) -> None: ...


FILLS_KEPT = 200  # the broker feed's own fills kept in the cache (newest last)


def stale_from(status: dict | None, code: str, put_age: float | None, expected: bool) -> bool:
    """Whether ``code``'s cached data is stale, from the broker feed's status (``put_status``): no
    status (or an old one) while a feed is expected, the websocket down for a code it serves, or a
    REST-polled code not refreshed within the poll's stale time. Without a feed (paper) never stale."""
    if status is None:
        return expected
    if time.time() - float(status.get("at", 0)) > float(status.get("stale_s", 3.0)):
        return True
    if code in status.get("ws", ()):
        return not status.get("connected", False)
    return put_age is None or put_age > float(status.get("poll_stale_s", 10.0))


class NotCached(LookupError):
    """Nothing cached for that code yet."""


def quote_to_json(q: Quote) -> str:
    d = asdict(q)
    d["time"] = q.time.isoformat()
    return json.dumps(d)


def quote_from_json(s: str | bytes) -> Quote:
    d = json.loads(s)
    d["time"] = datetime.fromisoformat(d["time"])
    return Quote(**d)


def book_to_json(b: OrderBook) -> str:
    return json.dumps(
        {
            "code": b.code,
            "time": b.time.isoformat(),
            "asks": [[lv.price, lv.qty] for lv in b.asks],
            "bids": [[lv.price, lv.qty] for lv in b.bids],
        }
    )


def book_from_json(s: str | bytes) -> OrderBook:
    d = json.loads(s)
    return OrderBook(
        d["code"],
        tuple(BookLevel(p, q) for p, q in d["asks"]),
        tuple(BookLevel(p, q) for p, q in d["bids"]),
        datetime.fromisoformat(d["time"]),
    )


def _rank(rows: list[RankRow], limit: int, market: str | None) -> list[RankRow]:
    picked = [r for r in rows if market is None or r.market == market]
    return picked[:limit]


def _intraday(engine: Any, code: str, interval: int, last: Quote | None = None) -> list[Bar]:
    """Today's minute bars of ``code``; "today" is the session of its latest quote when cached (the demo
    clock trades the next session on a weekend or after the close, so the wall date has no bars)."""
    if engine is None:
        return []
    from db.repositories.bars import minute_bars
    from trading.brokers.paper.broker import aggregate
    from trading.krx import today_kst

    day = last.time.astimezone(KST).date() if last is not None else today_kst()
    start = datetime(day.year, day.month, day.day, tzinfo=KST)
    bars = minute_bars(engine, code, start, start + timedelta(days=1))
    return aggregate(bars, interval, start.replace(hour=9)) if bars else []


def _feed_bars(bars: list[Bar], interval: int) -> list[Bar]:
    """The broker feed's 1-minute bars of today in ``interval``-minute bars."""
    from trading.brokers.common.bars import aggregate

    return aggregate(list(bars), interval)


class RedisMarketCache:
    """Writer and reader over Redis (full mode)."""

    def __init__(
        self,
        url_or_client: Any,
        prefix: str = PREFIX,
        engine: Any = None,
        ttl_s: int = 86400,
        feed_expected: bool = False,
    ):
        """``feed_expected``: a broker feed writes here (KIS/Kiwoom), so no feed status means stale."""
        if isinstance(url_or_client, str):
            import redis

            url_or_client = redis.Redis.from_url(url_or_client)
        self.r = url_or_client
        self.prefix = prefix
        self.engine = engine
        self.ttl_s = ttl_s
        self.feed_expected = feed_expected

    # the broker feed (services/broker_feed.py): status, views asked for by pages, own fills
    def put_status(self, status: dict) -> None:
        self.r.set(self.prefix + "feed", json.dumps(status), ex=60)

    def feed_status(self) -> dict | None:
        raw = self.r.get(self.prefix + "feed")
        return json.loads(raw) if raw else None

    def add_view(self, key: str) -> None:
        """A page views ``key`` (a code, or ``s:<sector>``): the feed serves it (full mode: any process)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.prefix + "views", {key: time.time()})
        pipe.zremrangebyscore(self.prefix + "views", "-inf", time.time() - 3600)
        pipe.execute()

    def views_since(self, since: float) -> list[tuple[str, float]]:
        rows = self.r.zrangebyscore(self.prefix + "views", f"({since}", "+inf", withscores=True)
        return [(k.decode() if isinstance(k, bytes) else k, float(t)) for k, t in rows]

    def put_fill(self, fill: Any) -> None:
        from trading.brokers.wire import encode

        pipe = self.r.pipeline(transaction=False)
        pipe.rpush(self.prefix + "fills", json.dumps(encode(fill)))
        pipe.ltrim(self.prefix + "fills", -FILLS_KEPT, -1)
        pipe.expire(self.prefix + "fills", self.ttl_s)
        pipe.execute()

    def fills(self) -> list[Any]:
        from trading.brokers.wire import decode

        return [decode(json.loads(raw)) for raw in self.r.lrange(self.prefix + "fills", 0, -1)]

    def is_stale(self, code: str) -> bool:
        return stale_from(self.feed_status(), code, self.last_put_age(code), self.feed_expected)

    def last_put_age(self, code: str) -> float | None:
        return self.last_tick_age(code)

    def put_bars(self, code: str, bars: list[Bar]) -> None:
        from trading.brokers.wire import encode

        self.r.set(f"{self.prefix}bars:{code}", json.dumps(encode(bars)), ex=self.ttl_s)

    def bars(self, code: str) -> list[Bar] | None:
        from trading.brokers.wire import decode

        raw = self.r.get(f"{self.prefix}bars:{code}")
        return decode(json.loads(raw)) if raw else None

    # writer
    def put_ranking(self, rows: list[RankRow], at: datetime) -> None:
        payload = {"time": at.isoformat(), "rows": [asdict(r) for r in rows]}
        self.r.set(self.prefix + "ranking", json.dumps(payload), ex=self.ttl_s)

    def put_quotes(self, quotes: list[Quote]) -> None:
        if not quotes:
            return
        pipe = self.r.pipeline(transaction=False)
        now = time.time()
        for q in quotes:
            pipe.set(f"{self.prefix}quote:{q.code}", quote_to_json(q), ex=self.ttl_s)
            pipe.set(f"{self.prefix}tick:{q.code}", now, ex=self.ttl_s)
        pipe.execute()

    def put_book(self, book: OrderBook) -> None:
        self.r.set(f"{self.prefix}book:{book.code}", book_to_json(book), ex=self.ttl_s)

    # reader (services.market_data.MarketData)
    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        raw = self.r.get(self.prefix + "ranking")
        if not raw:
            return []
        return _rank([RankRow(**d) for d in json.loads(raw)["rows"]], limit, market)

    def ranking_time(self) -> datetime | None:
        raw = self.r.get(self.prefix + "ranking")
        return datetime.fromisoformat(json.loads(raw)["time"]) if raw else None

    def quote(self, code: str) -> Quote:
        raw = self.r.get(f"{self.prefix}quote:{code}")
        if not raw:
            raise NotCached(code)
        return quote_from_json(raw)

    def book(self, code: str) -> OrderBook:
        raw = self.r.get(f"{self.prefix}book:{code}")
        if not raw:
            raise NotCached(code)
        return book_from_json(raw)

    def intraday_bars(self, code: str, interval: int = 1) -> list[Bar]:
        feed_bars = self.bars(code)
        if feed_bars:
            return _feed_bars(feed_bars, interval)
        if self.engine is None:
            return []
        raw = self.r.get(f"{self.prefix}quote:{code}")
        return _intraday(self.engine, code, interval, quote_from_json(raw) if raw else None)

    def last_tick_age(self, code: str) -> float | None:
        raw = self.r.get(f"{self.prefix}tick:{code}")
        return max(0.0, time.time() - float(raw)) if raw else None


class MemoryMarketCache:
    """Writer and reader in process (embedded mode)."""

    def __init__(self, engine: Any = None, feed_expected: bool = False):
        self.engine = engine
        self.feed_expected = feed_expected
        self._status: dict | None = None
        self._views: dict[str, float] = {}
        self._fills: list[Any] = []
        self._bars: dict[str, list[Bar]] = {}
        self._lock = threading.Lock()
        self._ranking: tuple[datetime | None, list[RankRow]] = (None, [])
        self._quotes: dict[str, Quote] = {}
        self._books: dict[str, OrderBook] = {}
        self._tick: dict[str, float] = {}

    def put_ranking(self, rows: list[RankRow], at: datetime) -> None:
        with self._lock:
            self._ranking = (at, list(rows))

    def put_quotes(self, quotes: list[Quote]) -> None:
        now = time.time()
        with self._lock:
            for q in quotes:
                self._quotes[q.code] = q
                self._tick[q.code] = now

    def put_book(self, book: OrderBook) -> None:
        with self._lock:
            self._books[book.code] = book

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        return _rank(self._ranking[1], limit, market)

    def ranking_time(self) -> datetime | None:
        return self._ranking[0]

    def quote(self, code: str) -> Quote:
        try:
            return self._quotes[code]
        except KeyError:
            raise NotCached(code) from None

    def book(self, code: str) -> OrderBook:
        try:
            return self._books[code]
        except KeyError:
            raise NotCached(code) from None

    def intraday_bars(self, code: str, interval: int = 1) -> list[Bar]:
        feed_bars = self._bars.get(code)
        if feed_bars:
            return _feed_bars(feed_bars, interval)
        return _intraday(self.engine, code, interval, self._quotes.get(code))

    def last_tick_age(self, code: str) -> float | None:
        t = self._tick.get(code)
        return max(0.0, time.time() - t) if t else None

    # the broker feed (services/broker_feed.py)
    def put_status(self, status: dict) -> None:
        self._status = dict(status)

    def feed_status(self) -> dict | None:
        return self._status

    def add_view(self, key: str) -> None:
        with self._lock:
            self._views[key] = time.time()

    def views_since(self, since: float) -> list[tuple[str, float]]:
        with self._lock:
            return [(k, t) for k, t in self._views.items() if t > since]

    def put_fill(self, fill: Any) -> None:
        with self._lock:
            self._fills = [*self._fills[-(FILLS_KEPT - 1) :], fill]

    def fills(self) -> list[Any]:
        return list(self._fills)

    def is_stale(self, code: str) -> bool:
        return stale_from(self._status, code, self.last_put_age(code), self.feed_expected)

    def last_put_age(self, code: str) -> float | None:
        return self.last_tick_age(code)

    def put_bars(self, code: str, bars: list[Bar]) -> None:
        self._bars[code] = list(bars)

    def bars(self, code: str) -> list[Bar] | None:
        return self._bars.get(code)
