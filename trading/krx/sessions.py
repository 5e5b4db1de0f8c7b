"""Intraday phases of the KRX day, and the Nextrade (NXT) session table (data only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from trading.krx.calendar import is_krx_session, krx_session_bounds
from trading.timeconv import as_kst


class Phase(StrEnum):
    CLOSED = "closed"
    PRE_OPEN_AUCTION = "pre_open_auction"  # open − 30 min .. open (08:30–09:00)
    CONTINUOUS = "continuous"  # open .. close − 10 min (09:00–15:20)
    CLOSING_AUCTION = "closing_auction"  # close − 10 min .. close (15:20–15:30)
    POST_CLOSE = "post_close"  # close + 10 .. close + 30 min (15:40–16:00), trades at the close
    AFTER_HOURS_SINGLE = "after_hours_single"  # close + 30 .. close + 150 min (16:00–18:00)


# (phase, start offset, end offset); offsets are from the open for the auction and from the close
# for everything after it, so 10:00-open days and CSAT days (all shifted 1 h) follow automatically.
PRE_OPEN_AUCTION_LEN = timedelta(minutes=30)
CLOSING_AUCTION_LEN = timedelta(minutes=10)
AFTER_CLOSE_PHASES: tuple[tuple[Phase, timedelta, timedelta], ...] = (
    (Phase.POST_CLOSE, timedelta(minutes=10), timedelta(minutes=30)),
    (Phase.AFTER_HOURS_SINGLE, timedelta(minutes=30), timedelta(minutes=150)),
)


def phase_at(t: datetime) -> Phase:
    """KRX phase at instant ``t`` (naive datetimes are taken as KST).

    Uses the corrected XKRX calendar; non-session days are CLOSED, as are the gaps
    (before the pre-open auction, 15:30–15:40, after 18:00). Phases are relative to the day's
    real open/close, so a 10:00 open has its auction at 09:30–10:00 and CSAT days shift every
    phase by 1 h. Before 2016-08-01 (15:00 close) the same offsets are applied (approximation).
    """
    local = as_kst(t)
    day = local.date()
    if not is_krx_session(day):
        return Phase.CLOSED
    open_, close = krx_session_bounds(day)
    if open_ - PRE_OPEN_AUCTION_LEN <= local < open_:
        return Phase.PRE_OPEN_AUCTION
    if open_ <= local < close - CLOSING_AUCTION_LEN:
        return Phase.CONTINUOUS
    if close - CLOSING_AUCTION_LEN <= local < close:
        return Phase.CLOSING_AUCTION
    for phase, start, end in AFTER_CLOSE_PHASES:
        if close + start <= local < close + end:
            return phase
    return Phase.CLOSED


class NxtSession(NamedTuple):
    name: str
    start: time  # KST, inclusive
    end: time  # KST, exclusive


# Nextrade (live since 2025-03-04), research notes §3. On CSAT day the pre-market is closed and the
# other sessions shift by 1 h (not modelled here).
NXT_SESSIONS: tuple[NxtSession, ...] = (
    NxtSession("pre_market", time(8, 0), time(8, 50)),
    NxtSession("halt_opening_auction", time(8, 50), time(9, 0, 30)),
    NxtSession("main_market", time(9, 0, 30), time(15, 20)),
    NxtSession("halt_closing_auction", time(15, 20), time(15, 30)),
    NxtSession("after_market", time(15, 30), time(20, 0)),  # 15:30–15:40 single-price orders, then continuous
)
