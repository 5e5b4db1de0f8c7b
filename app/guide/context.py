"""What the tour reads: the user's progress, the stock of the first trade, the order's price."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from app.components.data import can_trade, market_data, stock
from app.components.navbar import trading_mode
from app.guide.steps import Step, TourContext, steps_for
from app.i18n import current_lang
from app.runtime import runtime
from db.repositories import guide as guide_repo
from db.repositories import reports as report_repo
from trading.brokers.errors import BrokerError

FALLBACK_CODE = "005930"


def user_id() -> int | None:
    """The logged-in user's id (None outside a login)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.user_id
    return None


def first_trade_code() -> tuple[str, bool]:
    """(code, from the report): the newest morning report's best pick, else the ranking's first stock."""
    engine = runtime().engine
    dates = report_repo.report_dates(engine)
    if dates:
        picks = report_repo.report_picks(engine, dates[0])
        if picks:
            return picks[0][1], True
    try:
        rows = market_data().ranking(limit=1)
    except (LookupError, BrokerError, OSError):  # no ranking yet (a broker feed starting): the fallback
        rows = []
    return (rows[0].code if rows else FALLBACK_CODE), False


def tour_context(code: str | None = None) -> TourContext:
    """The tour's context for the request's user (``code``: the stock already chosen for this tour)."""
    from_report = True
    if not code:
        code, from_report = first_trade_code()
    else:
        dates = report_repo.report_dates(runtime().engine)
        from_report = bool(dates) and any(
            p[1] == code for p in report_repo.report_picks(runtime().engine, dates[0])
        )
    meta = stock(code)
    name = meta.name(current_lang()) if meta else code
    return TourContext(code, name, from_report, trading_mode(runtime().settings), can_trade())


def tour_steps(code: str | None) -> list[Step]:
    return steps_for(tour_context(code))


def initial_state() -> dict[str, object] | None:
    """The store's first value for the request's user: their saved place, or ``new`` (offer the tour)."""
    uid = user_id()
    if uid is None:
        return None
    progress = guide_repo.get_progress(runtime().engine, uid)
    status, step = ("new", 0) if progress is None else (progress.status, progress.step)
    code = first_trade_code()[0] if status in ("new", "active") else ""
    return {"status": status, "step": step, "code": code}


def order_price(code: str) -> int | None:
    """The guide's price for a one-share buy: the best bid (a price on the tick grid, so the order rests)."""
    try:
        book = market_data().book(code)
    except LookupError:
        return None
    if book.bids:
        return int(book.bids[0].price)
    return None


def valid_code(code: object) -> str:
    """``code`` when it is a listed stock's code, else "" (the tour picks its stock again)."""
    return code if isinstance(code, str) and stock(code) is not None else ""


def step_of(state: dict[str, Any]) -> int:
    step = state.get("step")
    return step if isinstance(step, int) else 0
