"""Who is looking at /auto, and which day is "today" for its P&L."""

from __future__ import annotations

from datetime import date

from flask import has_request_context
from flask_login import current_user

from trading.timeconv import now_naive_kst


def username() -> str:
    """The logged-in user's name ("" outside a request)."""
    if has_request_context() and current_user.is_authenticated:
        return str(current_user.username)
    return ""


def today() -> date:
    """Today in Korea (bot orders are stamped in KST)."""
    return now_naive_kst().date()
