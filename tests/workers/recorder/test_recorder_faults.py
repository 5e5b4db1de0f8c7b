"""Issue 13, items 1, 2 and 8: the recorder survives Redis and the database, stays bounded, files refused
rows as dead letters, and keeps minute bars equal to the aggregation of its committed ticks."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from datetime import date, timedelta

import redis
from sqlalchemy import text
from support.cli import run_cli
from support.private_services import PrivateRedis, free_port, missing_service
from support.recorder import (
    FeedThread,
    ManualClock,
    TickSource,
    start_writer,
    table_keys,
    wait_rows,
)
from support.wait import wait_for

from app.components.status_badge import badge_content
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base
from db.repositories.tick_sink import make_sink
from db.repositories.ticks import insert_ticks, minute_bar_mismatches
from trading.brokers.base import Channel
from trading.config import load_settings
from trading.domain import Tick
from trading.krx import krx_session_bounds, next_krx_session
from workers.recorder.codec import pack_ticks
from workers.recorder.collector import TickCollector
from workers.recorder.runner import WriterConfig, run_writer
from workers.recorder.spool import SpoolReader, SpoolWriter, spool_pending
from workers.recorder.stats import WriterStats
from workers.recorder.stream import StreamWriter
from workers.recorder.writer import BatchWriter

DAY = date(2026, 11, 23)  # TickSource's day


def _need_redis_server() -> None:
    if shutil.which("redis-server") is None:
        missing_service("redis-server", "not installed (a private one is needed for the outage)")


def _writer_thread(cfg: WriterConfig, stats=None):  # noqa: ANN001, ANN202
    stop = threading.Event()
    thread = threading.Thread(target=run_writer, args=(cfg, stop, None, stats), daemon=True)
    thread.start()
    return stop, thread


# --- 1. Redis down when the recorder starts -----------------------------------------------------


def test_redis_down_at_start_then_up_records_without_waiting(mariadb_url, tmp_path):
    """The writer waits for Redis (saying so), and ticks flow within seconds once Redis is up."""
    _need_redis_server()
    from trading.brokers.paper.broker import PaperBroker
    from trading.market.service import MarketService
    from trading.market.stocks import load_listing
    from workers.recorder.service import Recorder, RecorderOptions

    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    server = PrivateRedis(tmp_path / "redis")  # not started: Redis is down when the recorder starts
    settings = load_settings(database_url=mariadb_url, redis_url=server.url, data_dir=tmp_path / "data",
                             recorder_retry_max_s=1.0)  # fmt: skip
    clock = ManualClock(krx_session_bounds(next_krx_session(DAY))[0] + timedelta(minutes=30))
    service = MarketService(load_listing()[:40], clock=clock, seed=3)
    service.step()
    broker = PaperBroker(service)
    opts = RecorderOptions(top_n=10, ranking_every_s=0.5, universe_every_s=180.0, max_connections=4)
    rec = Recorder(settings, broker, engine, opts)
    seen: list[Tick] = []
    stop = threading.Event()
    thread = threading.Thread(target=rec.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: rec.feed.connections, timeout=10), "no subscription while Redis is down"
        broker.subscribe(Channel.TICKS, sorted(rec.universe), seen.append)
        for _ in range(5):
            clock.t += timedelta(seconds=20)
            service.step()
            time.sleep(0.1)
        assert wait_for(lambda: rec.writer_stats.waiting_for == "redis", timeout=5)
        # what /admin/status and the badge read: Redis is away, so the health file next to the recorder
        assert wait_for(lambda: rec.health.read().get("writer", {}).get("waiting_for") == "redis", timeout=5)
        text, color, title = badge_content(rec.health.read(), embedded=False)
        assert "Redis" in text and color == "danger" and "Redis" in title
        assert seen and wait_rows(engine, 1, timeout=0.5) == 0  # held, not written, not lost
        server.start()
        up = time.time()
        for _ in range(5):
            clock.t += timedelta(seconds=20)
            service.step()
            time.sleep(0.1)
        assert wait_rows(engine, len(seen), timeout=20) == len(seen)
        assert time.time() - up < 20  # not the 180 s universe refresh
        assert set(table_keys(engine)) == {(t.code, t.seq) for t in seen}
        assert wait_for(lambda: rec.writer_stats.waiting_for is None, timeout=5)
        assert wait_for(lambda: rec.health.read().get("writer", {}).get("waiting_for") is None, timeout=5)
        assert wait_for(
            lambda: minute_bar_mismatches(engine, clock.t.date()) == 0, timeout=10
        )  # the next bar pass
    finally:
        stop.set()
        thread.join(timeout=20)
        server.stop()
        engine.dispose()


# --- 1. Bounds: stream and carry-over spill to the disk spool ------------------------------------


def test_stream_bound_spills_to_spool_and_nothing_is_lost(mariadb_url, redis_client, redis_url, key_prefix,
                                                          tmp_path):  # fmt: skip
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    stream, overflow = key_prefix + "ticks", tmp_path / "overflow"
    collector = TickCollector(StreamWriter(redis_client, stream, max_entries=5), overflow=SpoolWriter(overflow),
                              overflow_pending=lambda: spool_pending(overflow), max_carry=3)  # fmt: skip
    src, sent = TickSource(), []
    for _ in range(20):  # 20 batches, no writer running: 5 fit the stream, 15 spill
        for t in src.batch(50):
            collector.on_event(t)
            sent.append(t)
        collector.flush()
    assert redis_client.xlen(stream) == 5  # bounded
    assert collector.spilling and collector.spilled == 15 * 50 and collector.snapshot()["held_batches"] == 0
    assert spool_pending(overflow)
    stop, thread = _writer_thread(WriterConfig(database_url=mariadb_url, redis_url=redis_url, stream=stream,
                                               spool_dir=overflow, flush_s=0.1))  # fmt: skip
    try:
        assert wait_rows(engine, len(sent), timeout=20) == len(sent)
        keys = table_keys(engine)
        assert len(keys) == len(sent) and set(keys) == {(t.code, t.seq) for t in sent}  # once each
        assert wait_for(lambda: not spool_pending(overflow), timeout=5)
        time.sleep(1.1)  # the collector checks once a second whether it may leave the spool
        for t in src.batch(50):
            collector.on_event(t)
            sent.append(t)
        collector.flush()
        assert not collector.spilling  # back on the stream
        assert wait_rows(engine, len(sent), timeout=10) == len(sent)
        assert wait_for(lambda: minute_bar_mismatches(engine, DAY) == 0, timeout=10)  # the next bar pass
    finally:
        stop.set()
        thread.join(timeout=15)
        engine.dispose()


def test_carry_over_is_bounded_while_redis_is_down(sqlite_engine, sqlite_url, tmp_path):
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))  # no server
    overflow = tmp_path / "overflow"
    collector = TickCollector(StreamWriter(dead, "gslts-test:ticks", max_entries=100),
                              overflow=SpoolWriter(overflow), max_carry=3)  # fmt: skip
    src, sent = TickSource(), []
    for _ in range(12):
        for t in src.batch(20):
            collector.on_event(t)
            sent.append(t)
        collector.flush()
        assert collector.snapshot()["held_batches"] <= 3  # memory holds at most the bound
    assert collector.spilling and collector.spilled >= 9 * 20
    w = BatchWriter(SpoolReader(overflow), make_sink(sqlite_url), flush_s=0.05)
    for _ in range(10):
        w.poll()
        if w.due():
            w.flush()
    w.flush()
    held = collector.snapshot()["held_batches"]
    assert len(table_keys(sqlite_engine)) == len(sent) - held * 20  # what spilled is all written
    assert collector.received == len(sent)


# --- 1 + 8. Dead letters ------------------------------------------------------------------------

REFUSE_TRIGGER = {
    "sqlite": (
        "CREATE TRIGGER refuse_13 BEFORE INSERT ON tick_data FOR EACH ROW WHEN NEW.price = 13 "
        "BEGIN SELECT RAISE(ABORT, 'price 13 refused'); END"
    ),
    "mysql": (
        "CREATE TRIGGER refuse_13 BEFORE INSERT ON tick_data FOR EACH ROW BEGIN IF NEW.price = 13 THEN "
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'price 13 refused'; END IF; END"
    ),
}


def test_refused_rows_go_to_dead_letters_and_the_rest_is_written(db_engine, tmp_path):
    url = db_engine.url.render_as_string(hide_password=False)
    with db_engine.begin() as conn:
        conn.execute(text(REFUSE_TRIGGER["sqlite" if db_engine.dialect.name == "sqlite" else "mysql"]))
    ticks = TickSource().batch(300)
    bad = ticks[150]
    refused = Tick(bad.code, bad.time, bad.seq, 13, bad.volume, bad.cum_volume, bad.cum_value, 100.0)
    invalid = b"005930,2026-02-30 09:00:00.000,999,10000,5,5,50000,100.00\n"  # no such day
    spool = SpoolWriter(tmp_path / "spool")
    spool.append(pack_ticks(ticks[:140]), 140, 1)  # one batch of two entries
    spool.append(pack_ticks(ticks[140:150] + [refused] + ticks[151:]) + invalid, 161, 1)
    writer = BatchWriter(SpoolReader(tmp_path / "spool"), make_sink(url), batch_rows=10_000, flush_s=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: writer.stats.dead_letters == 2, timeout=15), writer.stats.snapshot()
    finally:
        stop.set()
        thread.join(timeout=10)
    keys = set(table_keys(db_engine))
    assert keys == {(t.code, t.seq) for t in ticks} - {(bad.code, bad.seq)}  # the rest of the batch
    with db_engine.connect() as conn:
        letters = conn.execute(text("SELECT stock_code, reason, raw_row FROM tick_dead_letters")).all()
    assert len(letters) == 2
    by_code = {r.raw_row.split(",")[2]: r for r in letters}
    assert "price 13 refused" in by_code[str(bad.seq)].reason
    assert by_code[str(bad.seq)].raw_row == pack_ticks([refused]).decode().strip()
    assert "2026-02-30" in by_code["999"].raw_row and by_code["999"].reason
    assert writer.stats.committed_rows == 301  # the batch is done: nothing is retried for ever
    assert minute_bar_mismatches(db_engine, DAY) == 0


# --- 2. Minute bars after kill -9 ---------------------------------------------------------------


def test_kill9_mid_minute_leaves_minute_bars_equal_to_ticks(mariadb_url, redis_client, redis_url, key_prefix):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    stream = key_prefix + "ticks"
    args = ("--database-url", mariadb_url, "--redis-url", redis_url, "--stream", stream, "--batch-rows", "500",
            "--flush-s", "0.2")  # fmt: skip
    # 100 ticks every 20 ms, 1 ms apart: a simulated minute passes every ~12 s
    feed = FeedThread(StreamWriter(redis_client, stream), per_entry=100, interval_s=0.02).start()
    rnd = random.Random(7)
    proc = start_writer(*args)
    try:
        for _ in range(3):
            time.sleep(rnd.uniform(1.0, 2.0))
            os.kill(proc.pid, signal.SIGKILL)  # mid-minute: bars and ticks of the open minute in flight
            proc.wait(timeout=10)
            proc = start_writer(*args)
        feed.stop()
        assert wait_rows(engine, feed.emitted, timeout=30) == feed.emitted
        assert wait_for(lambda: redis_client.xlen(stream) == 0, timeout=10)
        assert set(table_keys(engine)) == feed.keys
        assert wait_for(lambda: minute_bar_mismatches(engine, DAY) == 0, timeout=10)  # the next bar pass
        with engine.connect() as conn:
            bar_volume = conn.execute(text("SELECT SUM(volume) FROM minute_bars")).scalar_one()
            tick_volume = conn.execute(text("SELECT SUM(volume) FROM tick_data")).scalar_one()
        assert int(bar_volume) == int(tick_volume) > 0
    finally:
        feed.stop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        engine.dispose()


# --- 2. gslts ticks rebuild-bars ----------------------------------------------------------------

RUN = (
    "import click, sys; from app.cli.record_cmds import ticks; "
    "g = click.Group(commands=[ticks]); g(sys.argv[1:])"
)


def _cli(url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data")}
    return run_cli(*args, env=env, cwd=tmp_path, program=RUN)


def test_rebuild_bars_cli_fixes_corrupted_minute_bars(mariadb_url, tmp_path):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    try:
        ticks = TickSource(codes=["005930", "000660"]).batch(4000)
        spread = [  # 41 ms apart: about three minutes
            Tick(t.code, t.time + timedelta(milliseconds=40 * i), t.seq, t.price, t.volume, t.cum_volume,
                 t.cum_value, t.strength)
            for i, t in enumerate(ticks)
        ]  # fmt: skip
        ticks = spread
        insert_ticks(engine, ticks)  # ticks without bars: what a crash between the two used to leave
        assert minute_bar_mismatches(engine, DAY) > 0
        out = _cli(mariadb_url, tmp_path, "ticks", "rebuild-bars", "--day", DAY.isoformat(), "--json")
        assert out.returncode == 0, out.stderr
        res = json.loads(out.stdout)
        assert res["mismatches_before"] > 0 and res["mismatches_after"] == 0 and res["ticks"] == len(ticks)
        assert minute_bar_mismatches(engine, DAY) == 0
        with engine.begin() as conn:  # corrupt one code's bars: wrong volume, and a bar with no ticks
            conn.execute(text("UPDATE minute_bars SET volume = volume + 7, close = 1 WHERE code = '005930'"))
            conn.execute(
                text("INSERT INTO minute_bars VALUES ('005930', '2026-11-23 15:00:00', 1, 1, 1, 1, 1, 1)")
            )
        assert minute_bar_mismatches(engine, DAY) > 0
        out = _cli(
            mariadb_url, tmp_path, "ticks", "rebuild-bars", "--day", DAY.isoformat(), "--code", "005930"
        )
        assert out.returncode == 0, out.stderr
        assert "mismatches" in out.stdout and "→ 0" in out.stdout
        assert minute_bar_mismatches(engine, DAY) == 0
        empty = _cli(mariadb_url, tmp_path, "ticks", "rebuild-bars", "--day", "2026-11-24", "--json")
        assert json.loads(empty.stdout)["ticks"] == 0
    finally:
        engine.dispose()


# --- 1. Supervision: waits for the database, restarts a crashed loop ------------------------------


def test_writer_waits_for_the_database_then_writes(tmp_path):
    spool = SpoolWriter(tmp_path / "spool")
    ticks = TickSource().batch(200)
    spool.append(pack_ticks(ticks), 200, 1)
    db_file = tmp_path / "later" / "rec.db"  # its directory does not exist yet: the database is away
    url = f"sqlite:///{db_file}"
    cfg = WriterConfig(database_url=url, spool_dir=tmp_path / "spool", flush_s=0.05, retry_max_s=0.5)
    stats = WriterStats()
    stop, thread = _writer_thread(cfg, stats)
    try:
        assert wait_for(lambda: stats.waiting_for == "database", timeout=5)
        assert stats.db_errors >= 1 and thread.is_alive()
        db_file.parent.mkdir()
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        assert wait_rows(engine, 200, timeout=10) == 200
        assert wait_for(lambda: stats.waiting_for is None, timeout=5)
        assert wait_for(lambda: minute_bar_mismatches(engine, DAY) == 0, timeout=10)  # the next bar pass
        engine.dispose()
    finally:
        stop.set()
        thread.join(timeout=10)


def test_supervisor_restarts_a_crashed_writer_and_counts_it(caplog):
    stats = WriterStats()
    cfg = WriterConfig(database_url="sqlite:///unused.db", retry_max_s=0.2)  # no buffer at all: crashes
    stop, thread = _writer_thread(cfg, stats)
    try:
        assert wait_for(lambda: stats.restarts >= 3, timeout=10)
        assert thread.is_alive()  # never dies
        assert "tick writer crashed" in caplog.text and "writer crashed" in stats.snapshot()["last_error"]
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
