"""Trading-value ranking snapshots (trading_value_rank): one row per rank per snapshot time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, func, select

from db.models import TradingValueRank
from trading.domain import RankRow
from trading.timeconv import naive_kst


def insert_snapshot(engine: Engine, at: datetime, rows: Sequence[RankRow]) -> int:
    """Store one snapshot taken at ``at``; returns rows written."""
    if not rows:
        return 0
    t = naive_kst(at).replace(microsecond=0)
    values = [
        {"snapshot_time": t, "rank": r.rank, "stock_code": r.code, "price": r.price,
         "prev_close": r.prev_close, "volume": r.volume, "value": r.value}
        for r in rows
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(TradingValueRank.__table__.insert(), values)
    return len(values)


def latest_snapshot(engine: Engine) -> tuple[datetime | None, list[dict[str, object]]]:
    """(time, rows by rank as dicts) of the newest snapshot; (None, []) when there is none."""
    t_col = TradingValueRank.snapshot_time
    with engine.connect() as conn:
        t = conn.execute(select(func.max(t_col))).scalar_one_or_none()
        if t is None:
            return None, []
        rows = conn.execute(
            select(
                TradingValueRank.rank,
                TradingValueRank.stock_code,
                TradingValueRank.price,
                TradingValueRank.prev_close,
                TradingValueRank.volume,
                TradingValueRank.value,
            )
            .where(t_col == t)
            .order_by(TradingValueRank.rank)
        ).all()
    return t, [dict(r._mapping) for r in rows]


def snapshot_times(engine: Engine, start: datetime, end: datetime) -> list[datetime]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(TradingValueRank.snapshot_time)
                .where(
                    TradingValueRank.snapshot_time >= naive_kst(start),
                    TradingValueRank.snapshot_time < naive_kst(end),
                )
                .distinct()
                .order_by(TradingValueRank.snapshot_time)
            ).scalars()
        )


def prune_before(engine: Engine, before: datetime) -> int:
    """Delete snapshots older than ``before``; returns rows deleted."""
    with engine.begin() as conn:
        return conn.execute(
            delete(TradingValueRank).where(TradingValueRank.snapshot_time < naive_kst(before))
        ).rowcount
