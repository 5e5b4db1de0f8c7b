"""The recorder process: feed (subscriptions → collector → buffer), batch writer, derived data, health.

``Recorder(settings, broker, engine, options).run(stop)`` blocks until ``stop`` is set. Full mode
buffers in a Redis Stream bounded by ``RECORDER_STREAM_MAX_ENTRIES`` (past it, and past
``RECORDER_CARRY_MAX_BATCHES`` batches held while Redis is away, batches spill to the overflow spool
under ``data_dir/recorder/overflow``), embedded mode in a spool under ``data_dir/recorder/spool``; the
writer runs on its own supervised thread with its own database connection (``python -m
workers.recorder writer`` runs it as a separate process instead). Minute bars are written by the
writer, with the ticks they come from.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from db.repositories.universe import position_codes, watchlist_codes
from services.market_cache import MemoryMarketCache, RedisMarketCache
from trading.brokers.base import Broker
from trading.config import Settings
from trading.domain import KST
from workers.recorder.buffer import BufferWriter
from workers.recorder.collector import TickCollector
from workers.recorder.derived import QuoteTracker, RankingSnapshotter
from workers.recorder.feed import FeedManager
from workers.recorder.health import HealthPublisher, store_for
from workers.recorder.runner import WriterConfig, run_writer
from workers.recorder.stats import WriterStats
from workers.recorder.stream import DEFAULT_STREAM
from workers.recorder.universe import DEFAULT_CAPS, select_universe

log = logging.getLogger(__name__)


@dataclass
class RecorderOptions:
    top_n: int = 100
    record_all: bool = False  # every listed code (the paper market can)
    all_codes: list[str] = field(default_factory=list)
    universe_every_s: float = 180.0
    ranking_every_s: float = 10.0
    cap_per_connection: int | None = None  # None = the broker's default (DEFAULT_CAPS)
    max_connections: int | None = None  # None: paper 64, others 1
    books: bool = True
    key_prefix: str = "gslts:"  # Redis keys: {prefix}ticks, {prefix}recorder:health, {prefix}md:*
    run_writer: bool = True

    @property
    def stream(self) -> str:
        return DEFAULT_STREAM if self.key_prefix == "gslts:" else self.key_prefix + "ticks"


def spool_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "recorder" / "spool"


def overflow_dir(settings: Settings) -> Path:
    """Full mode: where batches go while the stream is full or Redis is away."""
    return Path(settings.data_dir) / "recorder" / "overflow"


class Recorder:
    def __init__(
        self, settings: Settings, broker: Broker, engine: Engine, options: RecorderOptions | None = None
    ):
        self.settings = settings
        self.broker = broker
        self.engine = engine
        self.opts = options or RecorderOptions()
        self.buffer: BufferWriter = self._buffer()
        prefix = self.opts.key_prefix
        # With KIS/Kiwoom the broker feed owns the pages' cache (services/broker_feed.py): the recorder's
        # derived quotes and ranking go under their own keys and never overwrite it.
        md = "md:" if settings.broker == "paper" else "rec:md:"
        self.cache = (
            RedisMarketCache(settings.redis_url, prefix + md, engine=engine)
            if settings.redis_url
            else MemoryMarketCache(engine)
        )
        self.health = store_for(settings.redis_url, settings.data_dir, prefix + "recorder:health")
        self.collector = self._collector()
        self.quotes = QuoteTracker(self.cache)
        self.collector.tick_listeners.append(self.quotes.on_ticks)
        self.collector.book_listeners.append(self.cache.put_book)
        self.ranking = RankingSnapshotter(broker, engine, self.cache, self.quotes)
        name = getattr(broker, "name", "paper")
        cap = self.opts.cap_per_connection or DEFAULT_CAPS.get(name, 40)
        conns = self.opts.max_connections or (64 if name == "paper" else 1)
        self.feed = FeedManager(broker, self.collector, cap, conns, self.opts.books)
        self.writer_stats = WriterStats()
        self.universe: list[str] = []
        self.derived_errors = 0

    def _buffer(self) -> BufferWriter:
        if self.settings.redis_url:
            from workers.recorder.stream import StreamWriter, redis_client

            client = redis_client(self.settings.redis_url)
            return StreamWriter(client, self.opts.stream, self.settings.recorder_stream_max_entries)
        from workers.recorder.spool import SpoolWriter

        return SpoolWriter(spool_dir(self.settings))

    def _collector(self) -> TickCollector:
        if not self.settings.redis_url:
            return TickCollector(self.buffer)
        from workers.recorder.spool import SpoolWriter, spool_pending

        overflow = overflow_dir(self.settings)
        return TickCollector(
            self.buffer,
            overflow=SpoolWriter(overflow),
            overflow_pending=lambda: spool_pending(overflow),
            max_carry=self.settings.recorder_carry_max_batches,
        )

    def writer_config(self) -> WriterConfig:
        full = bool(self.settings.redis_url)
        return WriterConfig(
            database_url=self.settings.database_url,
            redis_url=self.settings.redis_url,
            stream=self.opts.stream,
            spool_dir=overflow_dir(self.settings) if full else spool_dir(self.settings),
            retry_max_s=self.settings.recorder_retry_max_s,
            bars_every_s=self.settings.recorder_bars_every_s,
        )

    def refresh_universe(self, ranked: list[str] | None = None) -> dict[str, int]:
        if self.opts.record_all and self.opts.all_codes:
            universe = list(self.opts.all_codes)
        else:
            ranked = ranked if ranked is not None else [r.code for r in self.ranking.last]
            extra: list[set[str]] = []
            for source in (watchlist_codes, position_codes):
                try:
                    extra.append(source(self.engine))
                except Exception as err:  # noqa: BLE001 - a missing table must not stop recording
                    log.warning("universe source %s failed: %s", source.__name__, err)
            try:
                extra.append({p.code for p in self.broker.balance().positions if p.qty > 0})
            except Exception as err:  # noqa: BLE001
                log.warning("broker positions unavailable: %s", err)
            universe = select_universe(ranked, self.opts.top_n, *extra)
        self.universe = universe
        return self.feed.apply(universe)

    def feed_health(self) -> dict[str, object]:
        d = dict(self.collector.snapshot())
        d.update(self.feed.snapshot())
        d["universe"] = len(self.universe)
        d["broker"] = getattr(self.broker, "name", "?")
        d["derived_errors"] = self.derived_errors
        d["ranking_errors"] = self.ranking.errors
        return d

    def run(self, stop: threading.Event) -> None:
        writer = None
        if self.opts.run_writer:
            writer = threading.Thread(
                target=run_writer, args=(self.writer_config(), stop, self.health, self.writer_stats),
                name="tick-writer", daemon=True,
            )  # fmt: skip
            writer.start()
        pub = HealthPublisher(self.health, "feed", self.feed_health)
        self.collector.start()
        pub.start()
        next_rank = next_universe = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_rank:
                    next_rank = now + self.opts.ranking_every_s
                    ranked = self._guard(lambda: self.ranking.run_once(datetime.now(KST)))
                    # an empty universe (the broker's ranking failed) is retried at the next ranking
                    due = now >= next_universe or not self.universe
                    if due and (ranked is not None or self.opts.record_all):
                        next_universe = now + self.opts.universe_every_s
                        self._guard(lambda r=ranked: self.refresh_universe(r or []))
                stop.wait(0.2)
        finally:
            self.feed.close()
            self.collector.stop()
            pub.stop()
            if writer:
                writer.join(timeout=15)
            self.buffer.close()

    def _guard(self, fn):  # noqa: ANN001, ANN202
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - derived data must never stop tick recording
            self.derived_errors += 1
            log.warning("recorder task failed: %s", err)
            return None
