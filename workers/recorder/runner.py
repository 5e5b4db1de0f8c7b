"""Run a batch writer against a buffer until stopped (the writer half of the recorder process)."""

from __future__ import annotations

import os
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from db.repositories.tick_sink import make_sink
from workers.recorder.buffer import BufferReader
from workers.recorder.health import HealthPublisher, HealthStore
from workers.recorder.stats import WriterStats
from workers.recorder.stream import DEFAULT_GROUP, DEFAULT_STREAM
from workers.recorder.writer import BatchWriter


@dataclass
class WriterConfig:
    database_url: str
    redis_url: str | None = None  # None = spool mode
    stream: str = DEFAULT_STREAM
    group: str = DEFAULT_GROUP
    consumer: str | None = None  # default: host-pid
    spool_dir: str | Path | None = None
    batch_rows: int = 10_000
    flush_s: float = 1.0
    load_data: bool | None = None  # None = when the server allows it
    claim_idle_ms: int = 1000


def open_reader(cfg: WriterConfig) -> BufferReader:
    """The Redis Stream consumer (full mode) or the spool reader (embedded mode)."""
    if cfg.redis_url:
        import redis

        from workers.recorder.stream import StreamReader

        consumer = cfg.consumer or f"{socket.gethostname()}-{os.getpid()}"
        return StreamReader(
            redis.Redis.from_url(cfg.redis_url), cfg.stream, cfg.group, consumer, cfg.claim_idle_ms
        )
    from workers.recorder.spool import SpoolReader

    if cfg.spool_dir is None:
        raise ValueError("spool mode needs spool_dir")
    return SpoolReader(cfg.spool_dir)


def writer_health(writer: BatchWriter, reader: BufferReader) -> dict[str, object]:
    snap = writer.stats.snapshot()
    try:
        snap["buffer_depth"] = reader.depth()
    except Exception:  # noqa: BLE001 - Redis may be briefly away
        snap["buffer_depth"] = None
    snap["buffer_unit"] = reader.unit
    return snap


def run_writer(
    cfg: WriterConfig,
    stop: threading.Event,
    health: HealthStore | None = None,
    stats: WriterStats | None = None,
) -> WriterStats:
    """Blocks until ``stop`` is set; publishes the ``writer`` health section every second."""
    reader = open_reader(cfg)
    sink = make_sink(cfg.database_url, cfg.load_data)
    writer = BatchWriter(reader, sink, stats, batch_rows=cfg.batch_rows, flush_s=cfg.flush_s)
    pub = HealthPublisher(health, "writer", lambda: writer_health(writer, reader)) if health else None
    if pub:
        pub.start()
    try:
        writer.run(stop)
    finally:
        if pub:
            pub.stop()
        sink.close()
        reader.close()
    return writer.stats


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM / SIGINT set ``stop`` (main thread only)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
