"""Defensive parsing of broker values: numbers arrive as strings, often signed, padded or empty."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from trading.domain import KST


def to_int(value: Any, default: int = 0) -> int:
    """``"+70,000"`` → 70000, ``"-152000"`` → -152000, ``"000124500"`` → 124500, ``""``/None → default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = str(value).strip().replace(",", "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return default


def to_price(value: Any, default: int = 0) -> int:
    """A price whose sign only shows the direction against the previous close (Kiwoom): abs value."""
    return abs(to_int(value, default))


def to_float(value: Any, default: float = 0.0) -> float:
    if value is None:
        return default
    text = str(value).strip().replace(",", "")
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        return default


def strip_code(code: Any) -> str:
    """``"A005930"`` → ``"005930"``; ``"005930_NX"`` → ``"005930"``."""
    text = str(code or "").strip()
    if "_" in text:
        text = text.split("_", 1)[0]
    if len(text) == 7 and text[0] == "A":
        text = text[1:]
    return text


def parse_ymd(value: Any) -> date | None:
    text = str(value or "").strip()
    if len(text) < 8:
        return None
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def parse_hms(value: Any) -> time | None:
    text = str(value or "").strip()
    if len(text) < 6 or not text[:6].isdigit():
        return None
    try:
        return time(int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def kst_at(day: date, hms: Any) -> datetime:
    """``day`` at the ``HHMMSS`` time ``hms`` in KST (midnight when the time is missing)."""
    t = parse_hms(hms) or time(0, 0, 0)
    return datetime.combine(day, t, tzinfo=KST)


def parse_ymdhms(value: Any) -> datetime | None:
    """``"20250102093000"`` → aware KST datetime."""
    text = str(value or "").strip()
    day = parse_ymd(text)
    if day is None:
        return None
    return kst_at(day, text[8:14])


def now_kst() -> datetime:
    return datetime.now(KST)
