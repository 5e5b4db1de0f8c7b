"""The batch writer: flush rules, idempotent replays, malformed input, LOAD DATA vs INSERT."""

from __future__ import annotations

import threading
import time

import pytest
from support.recorder import TickSource, table_keys

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories.tick_sink import MariaSink, SqliteSink
from workers.recorder.codec import pack_ticks
from workers.recorder.spool import SpoolReader, SpoolWriter
from workers.recorder.stream import StreamReader, StreamWriter
from workers.recorder.writer import BatchWriter


def _drain(writer: BatchWriter, rounds: int = 20) -> None:
    for _ in range(rounds):
        writer.poll()
        if writer.due():
            writer.flush()
    writer.flush()


def test_flushes_at_batch_rows_and_after_flush_s(tmp_path, sqlite_engine, sqlite_url):
    sw = SpoolWriter(tmp_path)
    src = TickSource()
    for _ in range(5):
        sw.append(pack_ticks(src.batch(100)), 100, int(time.time() * 1000))
    w = BatchWriter(SpoolReader(tmp_path), SqliteSink(sqlite_url), batch_rows=250, flush_s=0.3)
    w.read_entries = 3
    w.poll()
    assert w.due()  # 300 rows >= 250
    w.flush()
    assert len(table_keys(sqlite_engine)) == 300
    w.poll()
    assert not w.due()
    time.sleep(0.35)
    assert w.due()  # the time rule
    w.flush()
    assert len(table_keys(sqlite_engine)) == 500 and w.stats.flushes == 2


@pytest.mark.parametrize("load_data", [True, False])
def test_replay_never_duplicates_mariadb(mariadb_url, redis_client, key_prefix, load_data):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    stream = key_prefix + "ticks"
    ticks = TickSource().batch(1000)
    sw = StreamWriter(redis_client, stream)
    sw.append(pack_ticks(ticks[:600]), 600, 1)
    sw.append(pack_ticks(ticks[400:]), 600, 1)  # overlaps: a replayed batch
    sink = MariaSink(mariadb_url, use_load_data=load_data)
    w = BatchWriter(StreamReader(redis_client, stream, consumer="w"), sink)
    _drain(w)
    assert sink.method == ("load_data" if load_data else "insert")
    keys = table_keys(engine)
    assert len(keys) == 1000 and set(keys) == {(t.code, t.seq) for t in ticks}
    assert w.stats.committed_rows == 1200 and redis_client.xlen(stream) == 0
    sink.close()
    engine.dispose()


def test_malformed_entries_are_counted_and_never_stop_the_writer(
    redis_client, key_prefix, sqlite_engine, sqlite_url, caplog
):
    stream = key_prefix + "ticks"
    sw = StreamWriter(redis_client, stream)
    src = TickSource()
    sw.append(pack_ticks(src.batch(10)), 10, 1)
    redis_client.xadd(stream, {"v": "1", "n": "x", "t": "1", "d": "nonsense"})  # bad header
    redis_client.xadd(stream, {"garbage": "\x00\xff"})  # unknown frame
    sw.append(b"not,a,row\n" + pack_ticks(src.batch(5)) + b"\x00\x01", 7, 1)  # bad rows around good ones
    sw.append(pack_ticks(src.batch(10)), 10, 1)
    stop = threading.Event()
    w = BatchWriter(StreamReader(redis_client, stream, consumer="w"), SqliteSink(sqlite_url), flush_s=0.1)
    t = threading.Thread(target=w.run, args=(stop,))
    t.start()
    deadline = time.time() + 10
    while time.time() < deadline and w.stats.committed_rows < 25:
        time.sleep(0.05)
    stop.set()
    t.join(timeout=10)
    assert len(table_keys(sqlite_engine)) == 25
    assert w.stats.malformed_entries == 2 and w.stats.malformed_rows == 2
    assert redis_client.xlen(stream) == 0  # malformed entries are acknowledged too
    assert "malformed" in caplog.text
