"""US sector ETF and index daily bars from Yahoo Finance (yfinance), fetched incrementally.

``fetch_us_bars`` asks Yahoo for each symbol from its last stored session (re-fetched, so a late
correction replaces it) to today, keeps only XNYS sessions that have already closed, and raises
``UsDataError`` with one clear line when Yahoo cannot be reached. The Yahoo call is the single
function ``yahoo_history`` so tests can replace it with recorded responses.
A symbol Yahoo fails for is asked of the fallback (``FallbackFn``: KIS overseas daily prices when
``US_DATA_FALLBACK=kis``, see ``trading/brokers/kis/overseas.py``); what neither answers stays missing
and is reported, never simulated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from trading.krx.calendar import is_nyse_session, nyse_session_close

BACKFILL_DAYS = 400  # first fetch of a symbol: about a year of sessions for the track record
YAHOO_TIMEOUT_S = 15


class UsDataError(RuntimeError):
    """US data could not be fetched (one line, says what the report falls back to)."""


@dataclass(frozen=True, slots=True)
class UsBar:
    symbol: str
    day: date  # XNYS session date
    open: float
    high: float
    low: float
    close: float
    volume: int
    source: str = "yfinance"


HistoryFn = Callable[[str, date, date], Any]  # (symbol, start, end exclusive) -> pandas.DataFrame
FallbackFn = Callable[[str, date, date], list["UsBar"]]  # (symbol, start, end exclusive) -> bars


def yahoo_history(symbol: str, start: date, end: date) -> Any:
    """Daily bars of ``symbol`` from Yahoo as yfinance returns them (raises on network errors)."""
    import yfinance as yf  # imported lazily: heavy, and only the refresh job needs it

    return yf.Ticker(symbol).history(
        start=start.isoformat(),
        end=end.isoformat(),
        interval="1d",
        auto_adjust=False,
        actions=False,
        raise_errors=True,
        timeout=YAHOO_TIMEOUT_S,
    )


def frame_to_bars(symbol: str, frame: Any, now: datetime, source: str = "yfinance") -> list[UsBar]:
    """Rows of a yfinance history frame as bars: closed XNYS sessions with a price only."""
    bars = []
    for ts, row in frame.iterrows():
        day = ts.date()
        close = float(row["Close"])
        if math.isnan(close) or not is_nyse_session(day) or nyse_session_close(day) > now:
            continue
        volume = row.get("Volume", 0)
        bars.append(
            UsBar(
                symbol=symbol,
                day=day,
                open=float(row["Open"]),
                high=float(row["High"]),
                low=float(row["Low"]),
                close=close,
                volume=0
                if volume is None or (isinstance(volume, float) and math.isnan(volume))
                else int(volume),
                source=source,
            )
        )
    return bars


def fetch_starts(symbols: Iterable[str], last_days: Mapping[str, date], today: date) -> dict[str, date]:
    """Where each symbol's fetch starts: its last stored day, or ``BACKFILL_DAYS`` back."""
    return {s: last_days.get(s, today - timedelta(days=BACKFILL_DAYS)) for s in symbols}


def _one_line(err: Exception) -> str:
    return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}".strip()


def fetch_us_bars(
    symbols: Iterable[str],
    last_days: Mapping[str, date],
    now: datetime,
    history: HistoryFn = yahoo_history,
    fallback: FallbackFn | None = None,
) -> tuple[list[UsBar], dict[str, str]]:
    """(bars fetched, {symbol: error}) for ``symbols`` up to the sessions closed before ``now`` (aware).

    A symbol Yahoo fails for (or returns no closed session for while one is due) is asked of
    ``fallback``; its error then names both. Raises ``UsDataError`` when every symbol failed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.date()
    bars: list[UsBar] = []
    errors: dict[str, str] = {}
    starts = fetch_starts(symbols, last_days, today)
    for sym, start in starts.items():
        end = today + timedelta(days=1)
        try:
            bars.extend(frame_to_bars(sym, history(sym, start, end), now))
            continue
        except Exception as err:  # noqa: BLE001 - yfinance raises curl, HTTP and parsing errors
            primary = _one_line(err)
        if fallback is None:
            errors[sym] = primary
            continue
        try:
            got = [
                b
                for b in fallback(sym, start, end)
                if is_nyse_session(b.day) and nyse_session_close(b.day) <= now
            ]
        except Exception as err:  # noqa: BLE001 - the fallback's own errors are reported, not raised
            errors[sym] = f"yfinance {primary}; fallback {_one_line(err)}"
            continue
        if not got:
            errors[sym] = f"yfinance {primary}; fallback: no data"
            continue
        bars.extend(got)
    if starts and len(errors) == len(starts):
        first = next(iter(errors.values()))
        what = (
            "Yahoo Finance could not be reached"
            if fallback is None
            else "neither Yahoo Finance nor the fallback answered"
        )
        raise UsDataError(f"{what} for any of {len(errors)} symbols ({first})")
    return bars, errors
