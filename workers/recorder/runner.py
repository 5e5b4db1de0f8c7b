"""Run a batch writer against a buffer until stopped (the writer half of the recorder process).

``run_writer`` is a supervisor: it builds the reader and the sink (neither touches Redis or the
database until used), runs the writer loop, and when the loop crashes it logs the error, counts it
(``restarts``) and starts it again after a capped exponential backoff. It returns only when stopped.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from db.repositories.tick_sink import TickSink, make_sink
from workers.recorder.buffer import BufferReader, OverflowReader
from workers.recorder.health import HealthPublisher, HealthStore
from workers.recorder.stats import WriterStats
from workers.recorder.stream import DEFAULT_GROUP, DEFAULT_STREAM
from workers.recorder.writer import Backoff, BatchWriter

log = logging.getLogger(__name__)


@dataclass
class WriterConfig:
    database_url: str
    redis_url: str | None = None  # None = spool mode
    stream: str = DEFAULT_STREAM
    group: str = DEFAULT_GROUP
    consumer: str | None = None  # default: host-pid
    spool_dir: str | Path | None = None  # the spool (embedded), or the stream's overflow spool (full)
    batch_rows: int = 10_000
    flush_s: float = 1.0
    load_data: bool | None = None  # None = when the server allows it
    claim_idle_ms: int = 1000
    retry_max_s: float = 5.0  # backoff cap for Redis, the database and restarts
    bars_every_s: float = 1.0  # how often marked minute bars are recomputed


def open_reader(cfg: WriterConfig) -> BufferReader:
    """The Redis Stream consumer (plus its overflow spool when ``spool_dir`` is set; full mode) or
    the spool reader (embedded mode). Nothing here touches Redis."""
    from workers.recorder.spool import SpoolReader

    if cfg.redis_url:
        from workers.recorder.stream import StreamReader, redis_client

        consumer = cfg.consumer or f"{socket.gethostname()}-{os.getpid()}"
        client = redis_client(cfg.redis_url, socket_timeout=10)
        stream = StreamReader(client, cfg.stream, cfg.group, consumer, cfg.claim_idle_ms)
        return OverflowReader(stream, SpoolReader(cfg.spool_dir)) if cfg.spool_dir else stream
    if cfg.spool_dir is None:
        raise ValueError("spool mode needs spool_dir")
    return SpoolReader(cfg.spool_dir)


class _Current:
    """The reader the supervisor runs now (health reads it from its own thread)."""

    reader: BufferReader | None = None


def writer_health(stats: WriterStats, reader: BufferReader | None) -> dict[str, object]:
    snap = stats.snapshot()
    try:
        snap["buffer_depth"] = reader.depth() if reader is not None else None
    except Exception:  # noqa: BLE001 - Redis may be briefly away
        snap["buffer_depth"] = None
    overflow = getattr(reader, "overflow_depth", None)
    if overflow is not None:
        try:
            snap["overflow_bytes"] = overflow()
        except OSError:
            snap["overflow_bytes"] = None
    snap["buffer_unit"] = reader.unit if reader is not None else ""
    return snap


def _run_once(cfg: WriterConfig, stop: threading.Event, stats: WriterStats, current: _Current) -> None:
    reader: BufferReader | None = None
    sink: TickSink | None = None
    try:
        reader = open_reader(cfg)
        current.reader = reader
        sink = make_sink(cfg.database_url, cfg.load_data)
        writer = BatchWriter(reader, sink, stats, batch_rows=cfg.batch_rows, flush_s=cfg.flush_s,
                             retry_max_s=cfg.retry_max_s, bars_every_s=cfg.bars_every_s)  # fmt: skip
        writer.run(stop)
    finally:
        if sink is not None:
            sink.close()
        if reader is not None:
            reader.close()


def run_writer(
    cfg: WriterConfig,
    stop: threading.Event,
    health: HealthStore | None = None,
    stats: WriterStats | None = None,
) -> WriterStats:
    """Blocks until ``stop`` is set, restarting a crashed writer loop; publishes the ``writer``
    health section every second."""
    stats = stats or WriterStats()
    current = _Current()
    pub = HealthPublisher(health, "writer", lambda: writer_health(stats, current.reader)) if health else None
    if pub:
        pub.start()
    backoff = Backoff(0.5, cfg.retry_max_s)
    try:
        while not stop.is_set():
            try:
                _run_once(cfg, stop, stats, current)
                backoff.reset()
            except Exception as err:  # noqa: BLE001 - the supervisor: log, count, restart
                delay = backoff.next()
                with stats.lock:
                    stats.restarts += 1
                    stats.last_error = f"writer crashed: {err}"[:200]
                log.exception("tick writer crashed; restart %d in %.1fs", stats.restarts, delay)
                stop.wait(delay)
    finally:
        if pub:
            pub.stop()
    return stats


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM / SIGINT set ``stop`` (main thread only)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
