"""``python -m workers.recorder writer ...``: a standalone batch writer process (tests, bench, ops)."""

from __future__ import annotations

import argparse
import logging
import threading

from workers.recorder.health import FileHealthStore, HealthStore, RedisHealthStore
from workers.recorder.runner import WriterConfig, run_writer, stop_on_signals


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m workers.recorder")
    p.add_argument("role", choices=["writer"])
    p.add_argument("--database-url", required=True)
    p.add_argument("--redis-url")
    p.add_argument("--stream", default="gslts:ticks")
    p.add_argument("--group", default="tick-writers")
    p.add_argument("--consumer")
    p.add_argument("--spool-dir", help="the spool (no --redis-url), or the stream's overflow spool")
    p.add_argument("--batch-rows", type=int, default=10_000)
    p.add_argument("--flush-s", type=float, default=1.0)
    p.add_argument("--bars-every-s", type=float, default=1.0, help="minute-bar recompute interval")
    p.add_argument("--no-load-data", action="store_true")
    p.add_argument("--health-key", help="Redis hash for health (full mode)")
    p.add_argument("--health-file", help="JSON file for health (embedded mode)")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = WriterConfig(
        database_url=a.database_url,
        redis_url=a.redis_url,
        stream=a.stream,
        group=a.group,
        consumer=a.consumer,
        spool_dir=a.spool_dir,
        batch_rows=a.batch_rows,
        flush_s=a.flush_s,
        bars_every_s=a.bars_every_s,
        load_data=False if a.no_load_data else None,
    )
    health: HealthStore | None = None
    if a.health_key and a.redis_url:
        from workers.recorder.stream import redis_client

        health = RedisHealthStore(redis_client(a.redis_url, socket_timeout=2), a.health_key)
    elif a.health_file:
        health = FileHealthStore(a.health_file)
    stop = threading.Event()
    stop_on_signals(stop)
    run_writer(cfg, stop, health)


if __name__ == "__main__":
    main()
