"""Codec validation, the spool file (resume, torn tail, rollover) and the Redis Stream (claim, ack)."""

from __future__ import annotations

import numpy as np
from support.recorder import TickSource

from db.repositories.tick_sink import parse_rows
from workers.recorder.codec import check, pack_columns, pack_ticks
from workers.recorder.spool import SpoolReader, SpoolWriter, encode_record
from workers.recorder.stream import StreamReader, StreamWriter


def test_pack_and_check_round_trip():
    ticks = TickSource().batch(5)
    data = pack_ticks(ticks)
    c = check(data, 5)
    assert (c.good, c.bad) == (5, 0)
    rows = parse_rows(c.rows)
    assert [(r[0], r[2], r[3]) for r in rows] == [(t.code, t.seq, t.price) for t in ticks]
    assert rows[0][1] == ticks[0].time.replace(
        tzinfo=None, microsecond=ticks[0].time.microsecond // 1000 * 1000
    )


def test_pack_columns_matches_kst_and_format():
    data = pack_columns(
        ["005930"], np.array([0]), np.array([1795392000123]), np.array([7]), np.array([70000]),
        np.array([3]), np.array([3]), np.array([210000]), np.array([101.234]),
    )  # fmt: skip
    assert data == b"005930,2026-11-23 09:00:00.123,7,70000,3,3,210000,101.23\n"


def test_malformed_rows_are_dropped_and_counted_good_rows_kept():
    good = pack_ticks(TickSource().batch(3))
    bad = good + b"DROP TABLE,x\n" + b"005930,2026-11-23 09:00:00.123,1,1,1,1,1,1\n" + b"00593"
    c = check(bad, 6)
    assert c.good == 4 and c.bad == 2 and b"DROP" not in c.rows


def test_spool_resumes_after_committed_offset(tmp_path):
    w = SpoolWriter(tmp_path)
    src = TickSource()
    for _ in range(3):
        w.append(pack_ticks(src.batch(10)), 10, 1)
    r = SpoolReader(tmp_path)
    first = r.read(2, 0)
    assert [e.n for e in first] == [10, 10]
    r.ack(first[:1])
    again = SpoolReader(tmp_path).read(10, 0)  # a restarted reader starts after the committed offset
    assert len(again) == 2 and again[0].data == first[1].data
    assert SpoolReader(tmp_path).depth() > 0


def test_spool_torn_tail_is_truncated_and_corrupt_line_skipped(tmp_path):
    w = SpoolWriter(tmp_path)
    w.append(pack_ticks(TickSource().batch(4)), 4, 1)
    w.close()
    seg = next(tmp_path.glob("spool-*.log"))
    with open(seg, "ab") as f:
        f.write(encode_record(b"005930,2026", 1, 1)[:-1].replace(b"\t", b"X", 1) + b"\n")  # corrupt, complete
        f.write(b"3\t17\tdead")  # torn: no newline
    w2 = SpoolWriter(tmp_path)
    assert w2.torn_bytes == len(b"3\t17\tdead")
    w2.append(pack_ticks(TickSource(seed=2).batch(2)), 2, 1)
    entries = SpoolReader(tmp_path).read(10, 0)
    assert [(e.n, e.malformed) for e in entries] == [(4, False), (0, True), (2, False)]


def test_spool_rolls_segments_and_deletes_committed(tmp_path):
    w = SpoolWriter(tmp_path, segment_bytes=2000)
    src = TickSource()
    for _ in range(10):
        w.append(pack_ticks(src.batch(10)), 10, 1)
    assert len(list(tmp_path.glob("spool-*.log"))) > 2
    r = SpoolReader(tmp_path)
    got = []
    while batch := r.read(3, 0):
        got += batch
        r.ack(batch)
    assert sum(e.n for e in got) == 100
    assert len(list(tmp_path.glob("spool-*.log"))) == 1


def test_stream_reclaims_pending_of_a_dead_consumer(redis_client, key_prefix):
    stream = key_prefix + "ticks"
    w = StreamWriter(redis_client, stream)
    for i in range(3):
        w.append(pack_ticks(TickSource(seed=i).batch(5)), 5, 1)
    dead = StreamReader(redis_client, stream, consumer="dead", claim_idle_ms=0)
    assert len(dead.read(10, 10)) == 3  # delivered, never acked: the consumer "crashes"
    alive = StreamReader(redis_client, stream, consumer="alive", claim_idle_ms=0)
    claimed = alive.read(10, 10)
    assert len(claimed) == 3 and alive.reclaimed == 3
    alive.ack(claimed)
    assert alive.depth() == 0 and redis_client.xpending(stream, "tick-writers")["pending"] == 0


def test_stream_malformed_entry_is_flagged(redis_client, key_prefix):
    stream = key_prefix + "ticks"
    redis_client.xadd(stream, {"junk": "1"})
    r = StreamReader(redis_client, stream, consumer="c")
    entries = r.read(10, 10)
    assert len(entries) == 1 and entries[0].malformed
