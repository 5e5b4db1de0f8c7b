"""Tick reads by code and time range: correct rows, idempotent inserts, partition pruning on MariaDB."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from db.engine import make_engine
from db.migrate import upgrade
from db.partitions import maintain_partitions
from db.repositories import bars as bars_repo
from db.repositories import rankings
from db.repositories import ticks as repo
from trading.domain import KST, RankRow, Tick
from trading.krx import krx_sessions


def _ticks(day: date, code: str = "005930", n: int = 120) -> list[Tick]:
    t0 = datetime.combine(day, datetime.min.time()).replace(hour=9, tzinfo=KST)
    out, cum = [], 0
    for i in range(n):
        cum += 10
        out.append(
            Tick(
                code, t0 + timedelta(seconds=i, milliseconds=7), i + 1, 70000 + i * 100, 10, cum, cum * 70000
            )
        )
    return out


def test_range_reads_and_idempotent_insert(db_engine):
    day = date(2026, 11, 23)
    ticks = _ticks(day) + _ticks(day, "000660", 10)
    repo.insert_ticks(db_engine, ticks)
    repo.insert_ticks(db_engine, ticks[:50])  # replay
    assert repo.count_ticks(db_engine) == 130
    t0 = ticks[10].time
    got = repo.ticks_between(db_engine, "005930", t0, t0 + timedelta(seconds=20))
    assert [t.seq for t in got] == list(range(11, 31))
    assert got[0].time == t0 and got[0].price == ticks[10].price
    bars = repo.bars_from_ticks(db_engine, "005930", t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert (
        [b.volume for b in bars] == [600, 600] and bars[0].open == 70000 and bars[1].close == ticks[119].price
    )


def test_minute_bars_rebuilt_from_ticks_and_mismatches_counted(db_engine):
    day = date(2026, 11, 23)
    ticks = _ticks(day) + _ticks(day, "000660", 70)
    repo.insert_ticks(db_engine, ticks)
    assert repo.minute_bar_mismatches(db_engine, day) == 4  # 2 minutes × 2 codes without bars
    res = repo.rebuild_minute_bars(db_engine, day)
    assert (res.ticks, res.written) == (190, 4) and repo.minute_bar_mismatches(db_engine, day) == 0
    m = datetime(2026, 11, 23, 9, 0, tzinfo=KST)
    bars = bars_repo.minute_bars(db_engine, "005930", m, m + timedelta(minutes=2))
    assert bars == repo.bars_from_ticks(db_engine, "005930", m, m + timedelta(minutes=2))
    assert (bars[0].open, bars[0].close, bars[0].volume) == (70000, 70000 + 59 * 100, 600)
    again = repo.rebuild_minute_bars(db_engine, day, "000660")  # idempotent, one code
    assert again.ticks == 70 and repo.minute_bar_mismatches(db_engine, day) == 0
    assert repo.rebuild_minute_bars(db_engine, day + timedelta(days=1)).ticks == 0


def test_ranking_snapshots(db_engine):
    t = datetime(2026, 11, 23, 10, 0, 5, tzinfo=KST)
    rows = [RankRow(i + 1, f"00{i:04d}", "n", "KOSPI", "XLK", 1000, 990, 5, 5000 - i) for i in range(3)]
    rankings.insert_snapshot(db_engine, t - timedelta(seconds=10), rows[:1])
    rankings.insert_snapshot(db_engine, t, rows)
    at, latest = rankings.latest_snapshot(db_engine)
    assert at == t.replace(tzinfo=None) and [r["stock_code"] for r in latest] == [r.code for r in rows]


def test_mariadb_prunes_to_the_day_partition(mariadb_url):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    try:
        start = date(2026, 11, 23)
        maintain_partitions(engine, ahead=7, retention_days=3650, today=start)
        days = krx_sessions(start, start + timedelta(days=14))[:3]
        for d in days:
            repo.insert_ticks(engine, _ticks(d))
        t0 = datetime.combine(days[1], datetime.min.time()).replace(hour=9, tzinfo=KST)
        plan = repo.explain_ticks(engine, "005930", t0, t0 + timedelta(hours=1))
        assert plan[0]["partitions"] == f"p{days[1]:%Y%m%d}"
        assert plan[0]["key"] == "PRIMARY" and plan[0]["type"] == "range"
        assert len(repo.ticks_between(engine, "005930", t0, t0 + timedelta(hours=1))) == 120
    finally:
        engine.dispose()
