"""Bar storage: the only code that builds queries on daily_bars, minute_bars and us_sector_bars.

Bulk inserts are SQLAlchemy Core executemany in chunks (one transaction per chunk) and idempotent:
rows whose key already exists are ignored (SQLite ``INSERT OR IGNORE``, MariaDB ``INSERT IGNORE``).
Minute-bar times are naive KST in the database and KST-aware in ``Bar``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Insert, func, insert, select

from db.models import DailyBar, MinuteBar, UsSectorBar
from trading.domain import KST, Bar
from trading.timeconv import as_kst, naive_kst

CHUNK = 20_000
DAILY, MINUTE, US = DailyBar.__table__, MinuteBar.__table__, UsSectorBar.__table__


def _insert_ignore(table) -> Insert:  # noqa: ANN001 - a Table
    return (
        insert(table)
        .prefix_with("OR IGNORE", dialect="sqlite")
        .prefix_with("IGNORE", dialect="mysql")
        .prefix_with("IGNORE", dialect="mariadb")
    )


def _bulk(engine: Engine, table, columns: Sequence[str], rows: Sequence[tuple]) -> int:  # noqa: ANN001
    """Insert-or-ignore ``rows`` (tuples in ``columns`` order), one transaction per CHUNK rows.

    The Core statement is compiled once and run through the driver's executemany: per-row
    parameter processing in SQLAlchemy would double the time of a 3-million-row demo load.
    """
    compiled = _insert_ignore(table).compile(dialect=engine.dialect, column_keys=list(columns))
    sql = str(compiled)
    positional = compiled.positiontup is not None
    if positional and list(compiled.positiontup) != list(columns):
        raise AssertionError(f"unexpected parameter order {compiled.positiontup}")
    for k in range(0, len(rows), CHUNK):
        part = rows[k : k + CHUNK]
        params = list(part) if positional else [dict(zip(columns, r, strict=True)) for r in part]
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, params)
    return len(rows)


def _sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _day_values(engine: Engine, days: pd.Series) -> list:
    """Dates as the driver wants them (SQLite: SQLAlchemy's own 'YYYY-MM-DD' text)."""
    values = [d if isinstance(d, date) else pd.Timestamp(d).date() for d in days.tolist()]
    return [d.isoformat() for d in values] if _sqlite(engine) else values


def _time_values(engine: Engine, times: pd.Series) -> list:
    """Naive KST datetimes (SQLite: SQLAlchemy's 'YYYY-MM-DD HH:MM:SS.ffffff' text, so range
    queries compare like the ORM's own writes)."""
    t = pd.to_datetime(times)
    if t.dt.tz is not None:
        t = t.dt.tz_convert(KST).dt.tz_localize(None)
    if _sqlite(engine):
        return t.dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist()
    return [x.to_pydatetime() for x in t.tolist()]


def _tuples(*cols: list) -> list[tuple]:
    return list(zip(*cols, strict=True))


_OHLCV = ["open", "high", "low", "close", "volume", "value"]


def insert_daily_bars(engine: Engine, df: pd.DataFrame, source: str = "simulated") -> int:
    """Columns code, day (date), open, high, low, close, volume, value (``source``: where they came from)."""
    cols = [df["code"].tolist(), _day_values(engine, df["day"])] + [
        df[c].astype("int64").tolist() for c in _OHLCV
    ]
    cols.append([source] * len(df))
    return _bulk(engine, DAILY, ["code", "day", *_OHLCV, "source"], _tuples(*cols))


def insert_minute_bars(engine: Engine, df: pd.DataFrame) -> int:
    """Columns code, time (naive KST bar start, or aware), open, high, low, close, volume, value."""
    cols = [df["code"].tolist(), _time_values(engine, df["time"])] + [
        df[c].astype("int64").tolist() for c in _OHLCV
    ]
    return _bulk(engine, MINUTE, ["code", "time", *_OHLCV], _tuples(*cols))


def insert_us_bars(engine: Engine, df: pd.DataFrame, source: str = "simulated") -> int:
    """Columns symbol, day, open, high, low, close, volume (prices as floats or Decimals)."""
    prices = [
        [str(Decimal(str(x)).quantize(Decimal("0.000001"))) for x in df[c].tolist()] for c in _OHLCV[:4]
    ]
    cols = [
        df["symbol"].tolist(),
        _day_values(engine, df["day"]),
        *prices,
        df["volume"].astype("int64").tolist(),
    ]
    cols.append([source] * len(df))
    return _bulk(
        engine, US, ["symbol", "day", "open", "high", "low", "close", "volume", "source"], _tuples(*cols)
    )


def us_day_range(engine: Engine) -> tuple[date | None, date | None]:
    """The first and last stored US session (any symbol)."""
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(US.c.day), func.max(US.c.day))).one()
    return _as_date(first), _as_date(last)


def _as_date(v: object) -> date | None:
    if v is None or isinstance(v, date) and not isinstance(v, datetime):
        return v  # type: ignore[return-value]
    return v.date() if isinstance(v, datetime) else date.fromisoformat(str(v)[:10])


def store_history(engine: Engine, history) -> dict[str, int]:  # noqa: ANN001 - trading.market.history.History
    """Store a generated demo history (``gslts demo-data``); returns rows written per table."""
    return {
        "daily_bars": insert_daily_bars(engine, history.daily),
        "minute_bars": insert_minute_bars(engine, history.minute),
        "us_sector_bars": insert_us_bars(engine, history.us),
    }


# --- reads -------------------------------------------------------------------------------------


def has_daily_bars(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(DAILY.c.code).limit(1)).first() is not None


def _bar(r: Any, at: datetime) -> Bar:
    """A stored daily or minute bar row starting at ``at``."""
    return Bar(r.code, at, int(r.open), int(r.high), int(r.low), int(r.close), int(r.volume), int(r.value))


def _day_dt(d: date) -> datetime:
    return datetime.combine(d, time(), KST)


def daily_bars(engine: Engine, code: str, start: date, end: date) -> list[Bar]:
    """Daily bars of ``code`` from ``start`` to ``end`` inclusive, oldest first."""
    c = DAILY.c
    q = select(DAILY).where(c.code == code, c.day >= start, c.day <= end).order_by(c.day)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [_bar(r, _day_dt(r.day)) for r in rows]


def minute_bars(engine: Engine, code: str, start_dt: datetime, end_dt: datetime) -> list[Bar]:
    """1-minute bars with start_dt <= time < end_dt (aware datetimes are converted to KST)."""
    c = MINUTE.c
    q = (
        select(MINUTE)
        .where(c.code == code, c.time >= naive_kst(start_dt), c.time < naive_kst(end_dt))
        .order_by(c.time)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [_bar(r, as_kst(r.time)) for r in rows]


def us_bars(engine: Engine, symbol: str, start: date, end: date) -> pd.DataFrame:
    """US bars (US_COLUMNS + source) of ``symbol``, oldest first; prices as Decimal."""
    c = US.c
    q = select(US).where(c.symbol == symbol, c.day >= start, c.day <= end).order_by(c.day)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["symbol", "day", "open", "high", "low", "close", "volume", "source"],
    )


def latest_daily_values(engine: Engine, day: date) -> dict[str, int]:
    """거래대금 of every stock on the last stored session before ``day``."""
    c = DAILY.c
    with engine.connect() as conn:
        last = conn.execute(select(func.max(c.day)).where(c.day < day)).scalar()
        if last is None:
            return {}
        rows = conn.execute(select(c.code, c.value).where(c.day == last)).all()
    return {r.code: int(r.value) for r in rows}


def latest_closes(engine: Engine, day: date) -> tuple[date | None, dict[str, int]]:
    """(last stored session before ``day``, close of every stock on it): the simulator's prev close."""
    c = DAILY.c
    with engine.connect() as conn:
        last = conn.execute(select(func.max(c.day)).where(c.day < day)).scalar()
        if last is None:
            return None, {}
        rows = conn.execute(select(c.code, c.close).where(c.day == last)).all()
    return last, {r.code: int(r.close) for r in rows}


class SqlBarSource:
    """The BarSource the PaperBroker reads stored history from."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]:
        return daily_bars(self.engine, code, start, end)

    def minute_bars(self, code: str, start: datetime, end: datetime) -> list[Bar]:
        return minute_bars(self.engine, code, start, end)
