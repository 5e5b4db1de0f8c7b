"""Tick and minute-bar storage: idempotent inserts, code + time-range reads, minute-bar upserts.

Reads always filter ``stock_code = :code AND tick_time >= :start AND tick_time < :end``: the
primary key (stock_code, tick_time, seq) serves it as a range scan, and on MariaDB the tick_time
predicate lets the optimiser prune to the daily partitions involved (see ``explain_ticks``).
Times in the database are naive KST; the functions accept aware or naive datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.models import MinuteBar, TickData
from trading.domain import Bar, Tick
from trading.timeconv import as_kst, naive_kst

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


@dataclass(slots=True)
class MinuteDelta:
    """What arrived for one (code, minute) since the last flush; merged into minute_bars."""

    code: str
    time: datetime  # minute start, naive KST
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int


def upsert_minute_deltas(engine: Engine, deltas: Sequence[MinuteDelta]) -> int:
    """Insert new minutes; grow existing ones (high/low widen, close moves, volume/value add)."""
    if not deltas:
        return 0
    rows = [
        {"code": d.code, "time": d.time, "open": d.open, "high": d.high, "low": d.low,
         "close": d.close, "volume": d.volume, "value": d.value}
        for d in deltas
    ]  # fmt: skip
    table = MinuteBar.__table__
    if engine.dialect.name == "sqlite":
        ins = sqlite_insert(table)
        ex = ins.excluded
        stmt = ins.on_conflict_do_update(
            index_elements=["code", "time"],
            set_={
                "high": func.max(table.c.high, ex.high),
                "low": func.min(table.c.low, ex.low),
                "close": ex.close,
                "volume": table.c.volume + ex.volume,
                "value": table.c.value + ex.value,
            },
        )
    else:
        ins = mysql_insert(table)
        new = ins.inserted
        stmt = ins.on_duplicate_key_update(
            high=func.greatest(table.c.high, new.high),
            low=func.least(table.c.low, new.low),
            close=new.close,
            volume=table.c.volume + new.volume,
            value=table.c.value + new.value,
        )
    with engine.begin() as conn:
        conn.execute(stmt, rows)
    return len(rows)
