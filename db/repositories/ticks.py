"""Tick and minute-bar storage: idempotent inserts, code + time-range reads, minute bars recomputed from ticks.

Reads always filter ``stock_code = :code AND tick_time >= :start AND tick_time < :end``: the
primary key (stock_code, tick_time, seq) serves it as a range scan, and on MariaDB the tick_time
predicate lets the optimiser prune to the daily partitions involved (see ``explain_ticks``).
Times in the database are naive KST; the functions accept aware or naive datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.models import TickData
from trading.domain import Bar, Tick
from trading.timeconv import as_kst, day_range, naive_kst

TickRow = tuple[str, datetime, int, int, int, int, int, float]


def insert_ticks(engine: Engine, ticks: Iterable[Tick]) -> int:
    """Insert ticks, ignoring ones already stored (same code, time, seq); returns rows offered."""
    rows = [
        {
            "stock_code": t.code,
            "tick_time": naive_kst(t.time).replace(microsecond=t.time.microsecond // 1000 * 1000),
            "seq": t.seq,
            "price": t.price,
            "volume": t.volume,
            "cum_volume": t.cum_volume,
            "cum_value": t.cum_value,
            "strength": float(t.strength),
        }
        for t in ticks
    ]
    if not rows:
        return 0
    table = TickData.__table__
    stmt = (
        sqlite_insert(table).prefix_with("OR IGNORE")
        if engine.dialect.name == "sqlite"
        else mysql_insert(table).prefix_with("IGNORE")
    )
    with engine.begin() as conn:
        conn.execute(stmt, rows)
    return len(rows)


def _range(code: str, start: datetime, end: datetime):  # noqa: ANN202 - a Select
    return (
        select(
            TickData.stock_code,
            TickData.tick_time,
            TickData.seq,
            TickData.price,
            TickData.volume,
            TickData.cum_volume,
            TickData.cum_value,
            TickData.strength,
        )
        .where(
            TickData.stock_code == code,
            TickData.tick_time >= naive_kst(start),
            TickData.tick_time < naive_kst(end),
        )
        .order_by(TickData.tick_time, TickData.seq)
    )


def iter_tick_rows(
    engine: Engine, code: str, start: datetime, end: datetime, chunk: int = 20_000
) -> Iterator[TickRow]:
    """Stream rows (code, naive KST time, seq, price, volume, cum_volume, cum_value, strength)."""
    with engine.connect().execution_options(stream_results=True, yield_per=chunk) as conn:
        for r in conn.execute(_range(code, start, end)):
            yield (r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), float(r[7]))


def ticks_between(
    engine: Engine, code: str, start: datetime, end: datetime, limit: int | None = None
) -> list[Tick]:
    """Ticks of ``code`` in [start, end) as domain objects (aware KST), oldest first."""
    stmt = _range(code, start, end)
    if limit:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [
            Tick(r[0], as_kst(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), float(r[7]))
            for r in conn.execute(stmt)
        ]


def count_ticks(engine: Engine, code: str | None = None) -> int:
    stmt = select(func.count()).select_from(TickData)
    if code:
        stmt = stmt.where(TickData.stock_code == code)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def explain_ticks(engine: Engine, code: str, start: datetime, end: datetime) -> list[dict[str, object]]:
    """MariaDB ``EXPLAIN PARTITIONS`` of the range read (which partitions and index it uses)."""
    sql = (
        "EXPLAIN PARTITIONS SELECT * FROM tick_data WHERE stock_code = :c "
        "AND tick_time >= :s AND tick_time < :e ORDER BY tick_time, seq"
    )
    with engine.connect() as conn:
        res = conn.execute(text(sql), {"c": code, "s": naive_kst(start), "e": naive_kst(end)})
        return [dict(r._mapping) for r in res]


def bars_from_ticks(
    engine: Engine, code: str, start: datetime, end: datetime, interval: int = 1
) -> list[Bar]:
    """OHLCV bars of ``interval`` minutes computed from stored ticks (for backtests and charts)."""
    out: list[Bar] = []
    for _c, t, _s, price, vol, _cv, _cval, _st in iter_tick_rows(engine, code, start, end):
        k = (t.hour * 60 + t.minute) // interval * interval
        b = as_kst(t.replace(hour=k // 60, minute=k % 60, second=0, microsecond=0))
        if out and out[-1].time == b:
            a = out[-1]
            out[-1] = Bar(code, b, a.open, max(a.high, price), min(a.low, price), price,
                          a.volume + vol, a.value + price * vol)  # fmt: skip
        else:
            out.append(Bar(code, b, price, price, price, price, vol, price * vol))
    return out


# --- minute bars ---------------------------------------------------------------------------
#
# Minute bars are a function of the committed ticks. The tick writer marks every (code, minute) a
# write touches in ``minute_bar_dirty``, in the same transaction as the ticks; a recompute pass
# (``tick_sink``'s ``recompute_bars`` with ``recompute_pairs_sql``) rebuilds those bars from
# ``tick_data`` and deletes the marks in one transaction. So a crash, a lost commit answer or a replay
# can never leave a bar that differs from its ticks once the pass has run, and the pass costs one
# index range scan and two seeks per touched minute. Open and close are the prices of the first and
# last tick by (tick_time, seq). ``minute_agg_sql`` (one GROUP BY over a day) serves the checks and
# ``rebuild_minute_bars``.

_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy (and the tick sink) store DATETIME on SQLite


def _minute_exprs(dialect: str) -> tuple[str, str, str]:
    """(minute, open, close) SQL expressions over tick_data for a dialect."""
    if dialect == "sqlite":
        minute = "substr(tick_time, 1, 17) || '00.000000'"  # no ':' before a word: text() binds
        key = "tick_time || printf('%010d', seq) || price"
        return minute, f"CAST(substr(MIN({key}), 37) AS INTEGER)", f"CAST(substr(MAX({key}), 37) AS INTEGER)"
    minute = "CAST(DATE_FORMAT(tick_time, '%Y-%m-%d %H:%i:00') AS DATETIME)"
    key = "CONCAT(DATE_FORMAT(tick_time, '%Y%m%d%H%i%s%f'), LPAD(seq, 10, '0'), price)"
    return minute, f"CAST(SUBSTRING(MIN({key}), 31) AS SIGNED)", f"CAST(SUBSTRING(MAX({key}), 31) AS SIGNED)"


def minute_agg_sql(dialect: str, where: str) -> str:
    """``SELECT code, time, open, high, low, close, volume, value`` aggregated from tick_data rows matching
    ``where`` (a SQL condition on stock_code / tick_time), one row per (code, minute)."""
    minute, open_, close = _minute_exprs(dialect)
    return (
        f"SELECT stock_code AS code, {minute} AS time, {open_} AS open, MAX(price) AS high, "
        f"MIN(price) AS low, {close} AS close, SUM(volume) AS volume, SUM(price * volume) AS value "
        f"FROM tick_data WHERE {where} GROUP BY stock_code, {minute}"
    )


def upsert_minutes_sql(dialect: str, where: str) -> str:
    """Recompute the minute bars of the tick rows matching ``where`` and upsert them (idempotent)."""
    cols = "code, time, open, high, low, close, volume, value"
    agg = minute_agg_sql(dialect, where)
    if dialect == "sqlite":
        sets = ", ".join(f"{c} = excluded.{c}" for c in ("open", "high", "low", "close", "volume", "value"))
        return f"INSERT INTO minute_bars ({cols}) {agg} ON CONFLICT (code, time) DO UPDATE SET {sets}"
    sets = ", ".join(f"{c} = VALUES({c})" for c in ("open", "high", "low", "close", "volume", "value"))
    return f"INSERT INTO minute_bars ({cols}) {agg} ON DUPLICATE KEY UPDATE {sets}"


MinuteKey = tuple[str, str, str]  # (code, minute start, minute end) as SQL datetime literals


def recompute_pairs_sql(dialect: str, keys: list[MinuteKey]) -> str:
    """Upsert the bars of ``keys`` recomputed from tick_data: one range aggregate per (code, minute),
    joined by UNION ALL (codes and times are validated by the caller: inlined as literals)."""
    parts = []
    for code, lo, hi in keys:
        rng = f"stock_code = '{code}' AND tick_time >= '{lo}' AND tick_time < '{hi}'"
        first = f"(SELECT price FROM tick_data WHERE {rng} ORDER BY tick_time, seq LIMIT 1)"
        last = f"(SELECT price FROM tick_data WHERE {rng} ORDER BY tick_time DESC, seq DESC LIMIT 1)"
        parts.append(
            f"SELECT '{code}' AS code, '{lo}' AS time, {first} AS open, MAX(price) AS high, MIN(price) AS low, "
            f"{last} AS close, SUM(volume) AS volume, SUM(price * volume) AS value FROM tick_data WHERE {rng}"
        )
    union = " UNION ALL ".join(parts)
    cols = "code, time, open, high, low, close, volume, value"
    src = f"SELECT {cols} FROM ({union}) AS u WHERE u.volume IS NOT NULL"
    upd = ("open", "high", "low", "close", "volume", "value")
    if dialect == "sqlite":
        sets = ", ".join(f"{c} = excluded.{c}" for c in upd)
        return f"INSERT INTO minute_bars ({cols}) {src} ON CONFLICT (code, time) DO UPDATE SET {sets}"
    sets = ", ".join(f"{c} = VALUES({c})" for c in upd)
    return f"INSERT INTO minute_bars ({cols}) {src} ON DUPLICATE KEY UPDATE {sets}"


def _day_params(engine: Engine, day: date, code: str | None) -> tuple[str, str, dict[str, object]]:
    """(tick condition, bar condition, parameters) for one KST day, optionally one code."""
    lo, hi = day_range(day)
    params: dict[str, object] = (
        {"lo": lo.strftime(_SQLITE_TIME), "hi": hi.strftime(_SQLITE_TIME)}
        if engine.dialect.name == "sqlite"
        else {"lo": lo, "hi": hi}
    )
    ticks_where = "tick_time >= :lo AND tick_time < :hi"
    bars_where = "b.time >= :lo AND b.time < :hi"
    if code:
        params["code"] = code
        ticks_where += " AND stock_code = :code"
        bars_where += " AND b.code = :code"
    return ticks_where, bars_where, params


def minute_bar_mismatches(engine: Engine, day: date) -> int:
    """(code, minute) pairs of the KST ``day`` where minute_bars differs from aggregating tick_data:
    a differing bar, a minute with ticks but no bar, or a bar without ticks. 0 when consistent."""
    ticks_where, bars_where, params = _day_params(engine, day, None)
    agg = minute_agg_sql(engine.dialect.name, ticks_where)
    differs = " OR ".join(f"b.{c} <> a.{c}" for c in ("open", "high", "low", "close", "volume", "value"))
    missing_or_wrong = (
        f"SELECT COUNT(*) FROM ({agg}) a LEFT JOIN minute_bars b ON b.code = a.code AND b.time = a.time "
        f"WHERE b.code IS NULL OR {differs}"
    )
    extra = (
        f"SELECT COUNT(*) FROM minute_bars b LEFT JOIN ({agg}) a ON a.code = b.code AND a.time = b.time "
        f"WHERE {bars_where} AND a.code IS NULL"
    )
    with engine.connect() as conn:
        return int(conn.execute(text(missing_or_wrong), params).scalar_one()) + int(
            conn.execute(text(extra), params).scalar_one()
        )


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """What ``rebuild_minute_bars`` did: ticks read, bars deleted, bars written."""

    ticks: int
    deleted: int
    written: int


def rebuild_minute_bars(engine: Engine, day: date, code: str | None = None) -> RebuildResult:
    """Replace the minute bars of the KST ``day`` (one ``code``, or all) with the aggregation of its
    ticks, in one transaction. A day without ticks (in scope) is left as it is: its bars may come from
    elsewhere (demo history, a backfill)."""
    ticks_where, bars_where, params = _day_params(engine, day, code)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        n = int(
            conn.execute(text(f"SELECT COUNT(*) FROM tick_data WHERE {ticks_where}"), params).scalar_one()
        )
        if n == 0:
            return RebuildResult(0, 0, 0)
        deleted = conn.execute(text(f"DELETE FROM minute_bars WHERE {bars_where.replace('b.', '')}"), params)
        written = conn.execute(text(upsert_minutes_sql(dialect, ticks_where)), params)
        return RebuildResult(n, int(deleted.rowcount or 0), int(written.rowcount or 0))
