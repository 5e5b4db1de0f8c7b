"""Ingest benchmark: tick feed → Redis Stream → batch writer process → MariaDB ``tick_data``.

Feed: the paper market's vectorised simulator (``MarketSimulator.step`` over all 2,555 stocks),
stepped through simulated time at full speed; each step's columns are packed without per-tick
objects (``codec.pack_columns``) and XADDed as entries of at most ``--entry-rows`` rows. The feed
runs flat out but holds back while the stream holds more than ``--max-backlog-rows`` uncommitted
rows (backpressure, so the latency figure measures the recorder rather than an ever-growing queue).

Writer: ``python -m workers.recorder writer`` as a separate process (real LOAD DATA LOCAL INFILE /
INSERT IGNORE, XACK after commit). Afterwards every emitted tick is checked against the table:
the emitted rows are loaded (LOAD DATA, timed: the machine's ceiling) into a copy of tick_data and
anti-joined both ways. Prints, last: ticks_per_s, p99_tick_to_db_ms, lost, duplicated,
load_data_ceiling_ticks_per_s.

    python bench/ingest.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pymysql
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.migrate import upgrade  # noqa: E402
from db.partitions import maintain_partitions  # noqa: E402
from db.repositories.tick_sink import COLUMNS, mysql_connect_args  # noqa: E402
from workers.recorder.codec import pack_columns  # noqa: E402
from workers.recorder.stats import LatencyHistogram  # noqa: E402

DB_URL = os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def make_feed(seed: int):
    """(simulator, session day) — the paper market's simulator over the whole stock master."""
    from trading.krx import krx_session_bounds, next_krx_session
    from trading.market.simulator import MarketSimulator
    from trading.market.stocks import load_listing

    day = next_krx_session(date.today(), include_self=True)
    sim = MarketSimulator(load_listing(), seed=seed, start_day=day)
    open_dt = krx_session_bounds(day)[0]
    return sim, day, open_dt


def ensure_local_infile(url: str) -> str:
    conn = pymysql.connect(**mysql_connect_args(url, local_infile=True, autocommit=True))
    with conn.cursor() as cur:
        cur.execute("SELECT @@local_infile")
        if cur.fetchone()[0]:
            conn.close()
            return "local_infile=ON"
        try:
            cur.execute("SET GLOBAL local_infile=1")
            note = "local_infile was OFF: SET GLOBAL local_infile=1"
        except pymysql.MySQLError as err:
            note = f"local_infile OFF and could not be enabled ({err}); writer uses INSERT IGNORE"
    conn.close()
    return note


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--entry-rows", type=int, default=5000)
    ap.add_argument("--sim-step-s", type=float, default=1.0, help="simulated seconds per feed step")
    ap.add_argument("--max-backlog-rows", type=int, default=60_000)
    ap.add_argument("--batch-rows", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    base = make_url(DB_URL)
    dbname = f"{base.database or 'test'}_bench{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{dbname}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = base.set(database=dbname).render_as_string(hide_password=False)
    r = redis.Redis.from_url(REDIS_URL)
    prefix = f"gslts-bench:{uuid.uuid4().hex[:8]}:"
    stream = prefix + "ticks"
    spool = Path(tempfile.mkdtemp(prefix="gslts-bench-")) / "emitted.csv"
    proc = None
    try:
        print(ensure_local_infile(url))
        upgrade(url)
        engine = create_engine(url)
        sim, day, open_dt = make_feed(a.seed)
        parts = maintain_partitions(engine, ahead=7, retention_days=3650, today=day)
        print(
            f"feed: paper market simulator (vectorised step, {sim.n} stocks), session {day}; "
            f"partitions created: {len(parts['created'])}"
        )
        r.xgroup_create(stream, "tick-writers", id="0", mkstream=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.recorder", "writer", "--database-url", url, "--redis-url",
             REDIS_URL, "--stream", stream, "--health-key", prefix + "health", "--batch-rows", str(a.batch_rows)],
            cwd=ROOT,
        )  # fmt: skip
        time.sleep(1.5)
        sim.step(open_dt - timedelta(seconds=1))
        now = open_dt
        emitted = 0
        waits = 0.0
        t_start = time.time()
        entries = 0
        with open(spool, "wb") as out:
            while time.time() - t_start < a.seconds:
                pending, rows, t_first = [], 0, 0
                while rows < a.entry_rows:  # gather simulator steps into one stream entry
                    now += timedelta(seconds=a.sim_step_s)
                    b = sim.step(now)
                    if len(b):
                        t_first = t_first or int(time.time() * 1000)
                        pending.append(b)
                        rows += len(b)
                data = b"".join(
                    pack_columns(
                        b.codes,
                        b.code_idx,
                        b.time,
                        b.seq,
                        b.price,
                        b.volume,
                        b.cum_volume,
                        b.cum_value,
                        b.strength,
                    )  # fmt: skip
                    for b in pending
                )
                avg = emitted / entries if entries else rows
                while r.xlen(stream) * avg > a.max_backlog_rows:  # backpressure
                    time.sleep(0.002)
                    waits += 0.002
                r.xadd(stream, {"v": b"1", "n": rows, "t": t_first, "d": data})
                out.write(data)
                emitted += rows
                entries += 1
        t_feed_end = time.time()
        # wait for the writer to drain
        deadline = time.time() + 120
        while time.time() < deadline and r.xlen(stream) > 0:
            time.sleep(0.05)
        time.sleep(1.5)  # last health publish
        t_done = time.time()
        proc.terminate()
        proc.wait(timeout=30)
        health = r.hget(prefix + "health", "writer")
        import json

        w = json.loads(health) if health else {}
        hist = LatencyHistogram.from_dict(w["latency"]) if w.get("latency") else LatencyHistogram()
        last_commit = float(w.get("last_commit") or t_done)
        committed = int(w.get("committed_rows") or 0)
        with engine.connect() as conn:
            in_table = conn.execute(text("SELECT COUNT(*) FROM tick_data")).scalar_one()
        # ceiling: a raw LOAD DATA of the same rows into a copy of the table
        conn = pymysql.connect(**mysql_connect_args(url, local_infile=True))
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE emitted LIKE tick_data")
            cur.execute("ALTER TABLE emitted REMOVE PARTITIONING")
            t0 = time.perf_counter()
            cur.execute(
                "LOAD DATA LOCAL INFILE %s INTO TABLE emitted FIELDS TERMINATED BY ',' "
                f"LINES TERMINATED BY '\\n' ({', '.join(COLUMNS)})",
                (str(spool),),
            )
            conn.commit()
            ceiling = emitted / (time.perf_counter() - t0)
            cur.execute("SELECT COUNT(*) FROM emitted")
            distinct_emitted = cur.fetchone()[0]
            cur.execute(
                "SELECT COUNT(*) FROM emitted e LEFT JOIN tick_data t ON t.stock_code = e.stock_code "
                "AND t.tick_time = e.tick_time AND t.seq = e.seq AND t.price = e.price AND t.volume = e.volume "
                "WHERE t.seq IS NULL"
            )
            lost = cur.fetchone()[0] + (emitted - distinct_emitted)
            cur.execute(
                "SELECT COUNT(*) FROM tick_data t LEFT JOIN emitted e ON t.stock_code = e.stock_code "
                "AND t.tick_time = e.tick_time AND t.seq = e.seq WHERE e.seq IS NULL"
            )
            extra = cur.fetchone()[0]
            # a tick stored twice under another time would repeat (code, day, seq)
            cur.execute("SELECT COUNT(*) - COUNT(DISTINCT stock_code, DATE(tick_time), seq) FROM tick_data")
            dup_keys = cur.fetchone()[0]
        conn.close()
        duplicated = extra + dup_keys + max(0, in_table - (emitted - lost) - extra)
        elapsed = max(last_commit, t_feed_end) - t_start
        p99 = hist.quantile(0.99)
        print({k: v for k, v in w.items() if k != "latency"})
        print(
            f"emitted={emitted} committed_rows={committed} rows_in_table={in_table} "
            f"feed_seconds={t_feed_end - t_start:.1f} backpressure_wait_s={waits:.1f} "
            f"writer_method={w.get('method')} p50_tick_to_db_ms={hist.quantile(0.5)} "
            f"(latency = bucket upper bound, 50 ms resolution)"
        )
        print(f"ticks_per_s={emitted / elapsed:.0f}")
        print(f"p99_tick_to_db_ms={p99:.0f}" if p99 is not None else "p99_tick_to_db_ms=nan")
        print(f"lost={lost}")
        print(f"duplicated={duplicated}")
        print(f"load_data_ceiling_ticks_per_s={ceiling:.0f}")
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        for k in r.scan_iter(match=prefix + "*"):
            r.delete(k)
        r.close()
        spool.unlink(missing_ok=True)
        spool.parent.rmdir()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{dbname}`"))
        admin.dispose()


if __name__ == "__main__":
    main()
