"""The one place times cross the database boundary: the tables store naive KST datetimes.

``to_db`` takes an aware datetime (any zone) or a naive one (taken as KST already) to naive KST;
``from_db`` gives the stored naive KST value its zone back. Both pass ``None`` through.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import overload

from trading.domain import KST


@overload
def to_db(t: datetime) -> datetime: ...
@overload
def to_db(t: None) -> None: ...
def to_db(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.astimezone(KST).replace(tzinfo=None) if t.tzinfo is not None else t


@overload
def from_db(t: datetime) -> datetime: ...
@overload
def from_db(t: None) -> None: ...
def from_db(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=KST) if t.tzinfo is None else t.astimezone(KST)


def day_range(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a KST calendar day as stored (naive) values."""
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def now_db() -> datetime:
    """Now, as a stored value."""
    return datetime.now(KST).replace(tzinfo=None)
