"""Fault tests: kill -9 of the writer process, a 20 s database outage, the spool path on SQLite."""

from __future__ import annotations

import json
import os
import random
import signal
import time

from sqlalchemy.engine import make_url
from support.recorder import FeedThread, TcpProxy, start_writer, table_keys, wait_rows

from db.engine import make_engine
from db.migrate import upgrade
from workers.recorder.spool import SpoolWriter
from workers.recorder.stream import StreamWriter


def _kill_cycle(start, kills: int = 5) -> None:
    """Start the writer, kill -9 it ``kills`` times at random moments, leave the last one running."""
    rnd = random.Random(5)
    proc = start()
    try:
        for _ in range(kills):
            time.sleep(rnd.uniform(1.2, 2.2))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            proc = start()
    except BaseException:
        proc.kill()
        raise
    return proc


def _finish(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except Exception:  # noqa: BLE001
        proc.kill()


def test_kill9_five_times_redis_stream_mariadb(mariadb_url, redis_client, redis_url, key_prefix):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    stream = key_prefix + "ticks"
    args = (
        "--database-url",
        mariadb_url,
        "--redis-url",
        redis_url,
        "--stream",
        stream,
        "--batch-rows",
        "2000",
    )
    feed = FeedThread(StreamWriter(redis_client, stream), per_entry=200, interval_s=0.02).start()
    try:
        proc = _kill_cycle(lambda: start_writer(*args))
        feed.stop()
        got = wait_rows(engine, feed.emitted)
        _finish(proc)
        keys = table_keys(engine)
        assert got == feed.emitted and len(keys) == feed.emitted
        assert set(keys) == feed.keys  # every emitted tick, exactly once
        assert redis_client.xlen(stream) == 0  # all acked (and deleted)
    finally:
        feed.stop()
        engine.dispose()


def test_database_outage_20s_buffers_and_catches_up(mariadb_url, redis_client, redis_url, key_prefix):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    u = make_url(mariadb_url)
    proxy = TcpProxy(u.host or "127.0.0.1", u.port or 3306).start()
    via_proxy = u.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    stream, health = key_prefix + "ticks", key_prefix + "health"
    feed = FeedThread(StreamWriter(redis_client, stream), per_entry=200, interval_s=0.02).start()
    proc = start_writer("--database-url", via_proxy, "--redis-url", redis_url, "--stream", stream,
                        "--health-key", health)  # fmt: skip
    try:
        time.sleep(3)
        before = wait_rows(engine, 1, timeout=5)
        proxy.cut()
        cut_at = time.time()
        time.sleep(5)
        with engine.connect():
            pass  # the server itself is fine; only the recorder's path is cut
        depth_during = redis_client.xlen(stream)
        w = json.loads(redis_client.hget(health, "writer"))
        assert w["db_up"] is False and w["db_errors"] >= 1
        time.sleep(max(0.0, 20 - (time.time() - cut_at)))
        assert redis_client.xlen(stream) > depth_during  # still buffering
        proxy.restore()
        time.sleep(2)
        feed.stop()
        got = wait_rows(engine, feed.emitted, timeout=25)
        keys = table_keys(engine)
        assert before > 0
        assert got == feed.emitted and set(keys) == feed.keys and len(keys) == len(feed.keys)
        time.sleep(1.2)
        w = json.loads(redis_client.hget(health, "writer"))
        assert w["db_up"] is True and w["committed_rows"] >= feed.emitted
    finally:
        feed.stop()
        proc.kill()
        proc.wait()
        proxy.close()
        engine.dispose()


def test_kill9_five_times_spool_sqlite(tmp_path, sqlite_engine, sqlite_url):
    spool_dir = tmp_path / "spool"
    spool = SpoolWriter(spool_dir, segment_bytes=200_000)  # small segments: rollover under test
    feed = FeedThread(spool, per_entry=100, interval_s=0.02).start()
    args = ("--database-url", sqlite_url, "--spool-dir", str(spool_dir), "--batch-rows", "1000")
    try:
        proc = _kill_cycle(lambda: start_writer(*args))
        # a producer crash mid-append: a torn last line, then the producer restarts
        with feed.lock:
            spool.close()
            with open(spool_dir / sorted(p.name for p in spool_dir.glob("spool-*.log"))[-1], "ab") as f:
                f.write(b"100\t1795000000000\tdeadbeef\t005930,2026-11-23 09:")
            feed.buffer = SpoolWriter(spool_dir, segment_bytes=200_000)
            assert feed.buffer.torn_bytes > 0
        time.sleep(1.0)
        feed.stop()
        got = wait_rows(sqlite_engine, feed.emitted)
        _finish(proc)
        keys = table_keys(sqlite_engine)
        assert got == feed.emitted and len(keys) == feed.emitted and set(keys) == feed.keys
        assert len(list(spool_dir.glob("spool-*.log"))) <= 2  # committed segments were deleted
    finally:
        feed.stop()
