"""KST time conversions, the only ones in the code base. The tables store naive KST datetimes;
everything above the database works with aware ones.

``naive_kst`` takes an aware datetime (any zone) or a naive one (taken as KST already) to naive KST;
``as_kst`` gives a naive KST value its zone back (an aware one is converted). Both pass ``None``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import overload

from trading.domain import KST


@overload
def naive_kst(t: datetime) -> datetime: ...
@overload
def naive_kst(t: None) -> None: ...
def naive_kst(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.astimezone(KST).replace(tzinfo=None) if t.tzinfo is not None else t


@overload
def as_kst(t: datetime) -> datetime: ...
@overload
def as_kst(t: None) -> None: ...
def as_kst(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=KST) if t.tzinfo is None else t.astimezone(KST)


def day_range(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a KST calendar day as naive KST values."""
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def now_naive_kst() -> datetime:
    """Now, as a naive KST value (what the tables store)."""
    return datetime.now(KST).replace(tzinfo=None)
