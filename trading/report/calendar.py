"""Which US session feeds the morning report of a KRX session.

Rule (documented in docs of the report and tested):

* The signal session of KRX session ``D`` is the last XNYS session whose close is strictly before
  ``D``'s open (``krx_session_bounds``: 09:00 KST, 10:00 on the year's first session and CSAT days).
  A Monday therefore uses Friday's US session; a US holiday simply leaves the day before it.
* ``P`` is the KRX session before ``D``. The US sessions that are *new* for ``D`` are those after
  ``P``'s signal session up to ``D``'s: normally exactly one.
* Two or more new sessions mean KR was closed while the US traded (a KR holiday): the report says so,
  names the dates, and uses the latest one (its close vs the previous XNYS close).
* Zero new sessions mean the US was closed since ``P`` (e.g. Thanksgiving): the report says the
  signal repeats the one ``P`` already had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from trading.krx.calendar import (
    is_krx_session,
    krx_session_bounds,
    last_us_session_before,
    next_krx_session,
    nyse_sessions,
    prev_nyse_session,
)
from trading.krx.calendar import prev_krx_session as _prev_krx


class ReportDateError(ValueError):
    """The date has no morning report (not a KRX session or outside the calendar)."""


@dataclass(frozen=True, slots=True)
class SignalWindow:
    session_date: date  # the KRX session the report is for (D)
    krx_open: datetime  # D's open, KST
    prev_krx_session: date  # P: its 거래대금 ranks the stocks
    us_session: date  # the signal session: last XNYS close before D's open
    us_prev_session: date  # the XNYS session before it (close-to-close base)
    new_us_sessions: tuple[date, ...]  # XNYS sessions since P's signal session, oldest first

    @property
    def repeated(self) -> bool:
        """True when no US session closed since P's signal: the signal is P's again."""
        return not self.new_us_sessions


def check_report_date(day: date) -> None:
    """Raise ``ReportDateError`` with a clear message unless ``day`` is a KRX session."""
    try:
        ok = is_krx_session(day)
    except ValueError as err:
        raise ReportDateError(str(err)) from None
    if not ok:
        nxt = next_krx_session(day)
        raise ReportDateError(
            f"{day.isoformat()} is not a KRX trading day (market closed); next session: {nxt.isoformat()}"
        )


def signal_window(day: date) -> SignalWindow:
    """The US signal session and the previous KRX session for KRX session ``day``."""
    check_report_date(day)
    krx_open, _ = krx_session_bounds(day)
    prev = _prev_krx(day)
    us = last_us_session_before(krx_open)
    prev_us = last_us_session_before(krx_session_bounds(prev)[0])
    new = tuple(d for d in nyse_sessions(prev_us, us) if d > prev_us)
    return SignalWindow(
        session_date=day,
        krx_open=krx_open,
        prev_krx_session=prev,
        us_session=us,
        us_prev_session=prev_nyse_session(us),
        new_us_sessions=new,
    )
