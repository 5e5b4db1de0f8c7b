"""Daily RANGE partitions of ``tick_data`` on MariaDB: create ahead, drop past retention, list.

The migration leaves one ``p_future VALUES LESS THAN MAXVALUE`` partition. ``maintain_partitions``
REORGANIZEs it into ``pYYYYMMDD`` partitions (``VALUES LESS THAN (TO_DAYS(day + 1))``) for the next
``ahead`` XKRX sessions and drops daily partitions whose day is older than ``retention_days``. A
partition named for a session also holds any non-session days just before it (weekends, holidays).
SQLite has no partitions: the functions say so and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, text

from trading.krx import next_krx_session, today_kst

TABLE = "tick_data"
FUTURE = "p_future"
NAME_RE = re.compile(r"^p(\d{8})$")
TO_DAYS_OFFSET = 365  # MariaDB TO_DAYS(d) == Python d.toordinal() + 365


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    name: str
    bound: str  # exclusive upper bound: "YYYY-MM-DD" or "MAXVALUE"
    rows: int  # InnoDB estimate unless counted exactly


def to_days(d: date) -> int:
    return d.toordinal() + TO_DAYS_OFFSET


def from_days(n: int) -> date:
    return date.fromordinal(n - TO_DAYS_OFFSET)


def partition_name(d: date) -> str:
    return f"p{d:%Y%m%d}"


def is_partitioned(engine: Engine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def list_partitions(engine: Engine, exact: bool = False) -> list[PartitionInfo]:
    """Partitions of tick_data in order; ``exact`` counts rows instead of the InnoDB estimate."""
    if not is_partitioned(engine):
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT PARTITION_NAME, PARTITION_DESCRIPTION, TABLE_ROWS FROM information_schema.PARTITIONS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t AND PARTITION_NAME IS NOT NULL "
                "ORDER BY PARTITION_ORDINAL_POSITION"
            ),
            {"t": TABLE},
        ).all()
        out = []
        for name, desc, est in rows:
            bound = "MAXVALUE" if str(desc).upper() == "MAXVALUE" else from_days(int(desc)).isoformat()
            n = int(est or 0)
            if exact:
                n = int(conn.execute(text(f"SELECT COUNT(*) FROM {TABLE} PARTITION (`{name}`)")).scalar_one())
            out.append(PartitionInfo(name, bound, n))
    return out


def _sessions_ahead(start: date, count: int) -> list[date]:
    days, d = [], next_krx_session(start, include_self=True)
    for _ in range(count):
        days.append(d)
        d = next_krx_session(d)
    return days


def create_ahead(engine: Engine, ahead: int = 7, today: date | None = None) -> list[str]:
    """Split p_future so the next ``ahead`` sessions (from ``today``) each have a partition."""
    parts = list_partitions(engine)
    if not parts or parts[-1].name != FUTURE:
        return []
    last_bound = max((date.fromisoformat(p.bound) for p in parts if p.bound != "MAXVALUE"), default=None)
    new = [d for d in _sessions_ahead(today or today_kst(), ahead) if last_bound is None or d >= last_bound]
    if not new:
        return []
    defs = ", ".join(
        f"PARTITION {partition_name(d)} VALUES LESS THAN ({to_days(d + timedelta(days=1))})" for d in new
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                f"ALTER TABLE {TABLE} REORGANIZE PARTITION {FUTURE} INTO "
                f"({defs}, PARTITION {FUTURE} VALUES LESS THAN MAXVALUE)"
            )
        )
    return [partition_name(d) for d in new]


def drop_expired(engine: Engine, retention_days: int, today: date | None = None) -> list[str]:
    """Drop daily partitions whose day is before ``today - retention_days``."""
    cutoff = (today or today_kst()) - timedelta(days=retention_days)
    old = []
    for p in list_partitions(engine):
        m = NAME_RE.match(p.name)
        if m and date(int(m[1][:4]), int(m[1][4:6]), int(m[1][6:])) < cutoff:
            old.append(p.name)
    if old:
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {TABLE} DROP PARTITION {', '.join(old)}"))
    return old


def maintain_partitions(
    engine: Engine, ahead: int = 7, retention_days: int = 90, today: date | None = None
) -> dict[str, object]:
    """The scheduled job: create ahead, drop expired; returns what it did."""
    if not is_partitioned(engine):
        return {
            "partitioned": False,
            "message": "SQLite: tick_data is not partitioned",
            "created": [],
            "dropped": [],
        }
    created = create_ahead(engine, ahead, today)
    dropped = drop_expired(engine, retention_days, today)
    return {
        "partitioned": True,
        "created": created,
        "dropped": dropped,
        "partitions": [asdict(p) for p in list_partitions(engine)],
    }


def partition_job(engine: Engine, settings: object) -> str:
    """``f(engine, settings) -> str`` form for ``workers.schedule`` (retention from settings, default 90)."""
    res = maintain_partitions(engine, 7, int(getattr(settings, "tick_retention_days", 90)))
    if not res["partitioned"]:
        return str(res["message"])
    return f"created {len(res['created'])}, dropped {len(res['dropped'])} partition(s)"
