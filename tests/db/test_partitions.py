"""Daily tick_data partitions on MariaDB: created ahead from the XKRX calendar, dropped past retention."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import text

from db.engine import make_engine
from db.migrate import upgrade
from db.partitions import from_days, list_partitions, maintain_partitions, to_days
from db.repositories.ticks import insert_ticks
from trading.domain import KST, Tick
from trading.krx import krx_sessions


def test_to_days_matches_mariadb(mariadb_engine):
    d = date(2026, 11, 23)
    with mariadb_engine.connect() as conn:
        assert conn.execute(text("SELECT TO_DAYS('2026-11-23')")).scalar_one() == to_days(d)
    assert from_days(to_days(d)) == d


def test_create_ahead_drop_expired_and_list(mariadb_url):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    try:
        start = date(2026, 9, 21)  # Chuseok week: the calendar skips the holidays
        res = maintain_partitions(engine, ahead=7, retention_days=30, today=start)
        sessions = krx_sessions(start, start + timedelta(days=30))[:7]
        assert res["created"] == [f"p{d:%Y%m%d}" for d in sessions]
        names = [p.name for p in list_partitions(engine)]
        assert names[-1] == "p_future" and names[:-1] == res["created"]
        # rows land in their day's partition
        t = datetime.combine(sessions[1], datetime.min.time()).replace(hour=10, tzinfo=KST)
        insert_ticks(engine, [Tick("005930", t, 1, 70000, 1, 1, 70000, 100.0)])
        counts = {p.name: p.rows for p in list_partitions(engine, exact=True)}
        assert counts[f"p{sessions[1]:%Y%m%d}"] == 1
        # idempotent: running again the same day creates nothing
        assert maintain_partitions(engine, ahead=7, retention_days=30, today=start)["created"] == []
        # weeks later: new sessions ahead, old ones past retention dropped
        later = start + timedelta(days=40)
        res2 = maintain_partitions(engine, ahead=7, retention_days=30, today=later)
        cutoff = later - timedelta(days=30)
        assert set(res2["dropped"]) == {f"p{d:%Y%m%d}" for d in sessions if d < cutoff}
        assert len(res2["created"]) == 7
        bounds = [p.bound for p in list_partitions(engine)]
        assert bounds == sorted(bounds[:-1]) + ["MAXVALUE"]
    finally:
        engine.dispose()


def test_sqlite_has_no_partitions(sqlite_engine):
    res = maintain_partitions(sqlite_engine)
    assert res["partitioned"] is False and "SQLite" in res["message"]
    assert list_partitions(sqlite_engine) == []
