"""Daily-bar history writes (import, backfill, end of day), their progress, and the stored track record.

The only code that builds queries on ``history_progress`` and ``track_records``; daily-bar upserts
replace a stored bar of the same (code, day) with the new values and source, so an import or a
backfill run twice leaves the same rows. ``upsert_daily_bars`` writes all its rows in one
transaction (an import file is all or nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.dialects import mysql, sqlite

from db.cache import Topic, invalidate
from db.models import DailyBar, HistoryProgress, MinuteBar, Stock, TrackRecord
from trading.domain import Bar
from trading.timeconv import as_kst, day_range, now_naive_kst

DAILY = DailyBar.__table__
CHUNK = 2_000
_VALUES = ("open", "high", "low", "close", "volume", "value", "source")


def _upsert(conn: Connection):  # noqa: ANN202 - a dialect Insert
    if conn.dialect.name == "sqlite":
        ins = sqlite.insert(DAILY)
        return ins.on_conflict_do_update(
            index_elements=["code", "day"], set_={k: ins.excluded[k] for k in _VALUES}
        )
    if conn.dialect.name in ("mysql", "mariadb"):
        ins = mysql.insert(DAILY)
        return ins.on_duplicate_key_update({k: ins.inserted[k] for k in _VALUES})
    raise NotImplementedError(conn.dialect.name)


def bar_row(bar: Bar, source: str) -> dict[str, Any]:
    """A daily ``Bar`` (its KST date is the session) as a daily_bars row."""
    return {
        "code": bar.code, "day": bar.time.date(), "open": bar.open, "high": bar.high, "low": bar.low,
        "close": bar.close, "volume": bar.volume, "value": bar.value, "source": source,
    }  # fmt: skip


def upsert_daily_bars(engine: Engine, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or replace daily bars (dicts with code, day, OHLCV, value, source) in ONE transaction."""
    if not rows:
        return 0
    with engine.begin() as conn:
        stmt = _upsert(conn)
        for k in range(0, len(rows), CHUNK):
            conn.execute(stmt, list(rows[k : k + CHUNK]))
    return len(rows)


def listed_codes(engine: Engine) -> list[str]:
    """Every stock of the master (ETFs included), in code order: what the daily-bar jobs cover."""
    with engine.connect() as conn:
        return list(conn.execute(select(Stock.code).order_by(Stock.code)).scalars())


def daily_bar_count(engine: Engine, day: date | None = None) -> int:
    q = select(func.count()).select_from(DAILY)
    if day is not None:
        q = q.where(DAILY.c.day == day)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


def daily_rows(engine: Engine, start: date, end: date) -> list[tuple]:
    """(code, day, open, high, low, close, volume, value, source) from ``start`` to ``end``, sorted."""
    c = DAILY.c
    q = (
        select(c.code, c.day, c.open, c.high, c.low, c.close, c.volume, c.value, c.source)
        .where(c.day >= start, c.day <= end)
        .order_by(c.code, c.day)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def daily_sources(engine: Engine, start: date, end: date) -> set[str]:
    """The sources of the daily bars stored from ``start`` to ``end``."""
    c = DAILY.c
    q = select(c.source).where(c.day >= start, c.day <= end).distinct()
    with engine.connect() as conn:
        return set(conn.execute(q).scalars())


def minute_day_bars(engine: Engine, day: date) -> list[Bar]:
    """Day bars aggregated from the recorder's 1-minute bars of ``day`` (stocks with minutes only)."""
    start, end = day_range(day)
    c = MinuteBar.__table__.c
    q = (
        select(c.code, c.time, c.open, c.high, c.low, c.close, c.volume, c.value)
        .where(c.time >= start, c.time < end)
        .order_by(c.code, c.time)
    )
    out: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for code, _t, o, h, lo, cl, v, val in conn.execute(q):
            cur = out.get(code)
            if cur is None:
                out[code] = [int(o), int(h), int(lo), int(cl), int(v), int(val)]
            else:
                cur[1], cur[2] = max(cur[1], int(h)), min(cur[2], int(lo))
                cur[3], cur[4], cur[5] = int(cl), cur[4] + int(v), cur[5] + int(val)
    at = as_kst(day_range(day)[0])
    return [Bar(code, at, *vals) for code, vals in out.items()]


# --- progress -----------------------------------------------------------------------------------


def done_codes(engine: Engine, job: str) -> set[str]:
    """Stocks ``job`` has finished (without an error)."""
    c = HistoryProgress.__table__.c
    q = select(c.code).where(c.job == job, c.error.is_(None))
    with engine.connect() as conn:
        return set(conn.execute(q).scalars())


def mark_done(engine: Engine, job: str, code: str, rows: int, error: str | None = None) -> None:
    """Record that ``job`` fetched ``code`` (``error``: it failed and is retried next run)."""
    t = HistoryProgress.__table__
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.job == job, t.c.code == code))
        conn.execute(
            t.insert().values(
                job=job, code=code, rows=rows, error=(error or None) and error[:200], done_at=now_naive_kst()
            )  # fmt: skip
        )


def store_fetched(engine: Engine, job: str, code: str, rows: Sequence[dict[str, Any]]) -> None:
    """A stock's fetched bars and its progress mark, in one transaction (a crash leaves neither)."""
    t = HistoryProgress.__table__
    with engine.begin() as conn:
        if rows:
            conn.execute(_upsert(conn), list(rows))
        conn.execute(delete(t).where(t.c.job == job, t.c.code == code))
        conn.execute(
            t.insert().values(
                job=job, code=code, rows=len(rows), error=None, done_at=now_naive_kst()
            )  # fmt: skip
        )


def progress(engine: Engine, job: str) -> dict[str, int]:
    """{done, failed, rows} of ``job``."""
    c = HistoryProgress.__table__.c
    q = select(c.error.is_(None), func.count(), func.coalesce(func.sum(c.rows), 0)).where(c.job == job)
    out = {"done": 0, "failed": 0, "rows": 0}
    with engine.connect() as conn:
        for ok, n, rows in conn.execute(q.group_by(c.error.is_(None))):
            out["done" if ok else "failed"] += int(n)
            out["rows"] += int(rows)
    return out


def clear_progress(engine: Engine, job: str) -> int:
    t = HistoryProgress.__table__
    with engine.begin() as conn:
        return conn.execute(delete(t).where(t.c.job == job)).rowcount or 0


# --- track record -------------------------------------------------------------------------------


def save_track_record(engine: Engine, record: dict[str, Any]) -> int:
    """Store a computed track record (it becomes the current one); older rows beyond 30 are dropped."""
    t = TrackRecord.__table__
    end = record.get("end")
    with engine.begin() as conn:
        rid = conn.execute(
            t.insert().values(
                computed_at=now_naive_kst(),
                end_day=date.fromisoformat(end) if end else None,
                kr_source=str(record.get("kr_data", "none")),
                us_source=str(record.get("us_data", "none")),
                payload=record,
            )
        ).inserted_primary_key[0]
        keep = select(t.c.id).order_by(t.c.id.desc()).limit(30)
        ids = [r for r in conn.execute(keep).scalars()]
        conn.execute(delete(t).where(t.c.id.not_in(ids)))
    invalidate(engine, Topic.REPORTS)  # the report page shows the track record
    return int(rid)


def load_track_record(engine: Engine) -> dict[str, Any] | None:
    """The newest stored track record, or None when none was computed."""
    t = TrackRecord.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t.c.payload).order_by(t.c.id.desc()).limit(1)).first()
    return dict(row[0]) if row is not None else None


def track_record_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(TrackRecord.__table__)).scalar() or 0)


def as_rows(bars: Iterable[Bar], source: str) -> list[dict[str, Any]]:
    return [bar_row(b, source) for b in bars]
