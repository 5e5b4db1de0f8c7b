"""US sector ETF and index daily bars from Yahoo Finance (yfinance), fetched incrementally.

``fetch_us_bars`` asks Yahoo for each symbol from its last stored session (re-fetched, so a late
correction replaces it) to today, keeps only XNYS sessions that have already closed, and raises
``UsDataError`` with one clear line when Yahoo cannot be reached. The Yahoo call is the single
function ``yahoo_history`` so tests can replace it with recorded responses.
KIS overseas daily prices (HHDFS76240000) are left to the KIS broker adapter.
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


def fetch_us_bars(
    symbols: Iterable[str],
    last_days: Mapping[str, date],
    now: datetime,
    history: HistoryFn = yahoo_history,
) -> tuple[list[UsBar], dict[str, str]]:
    """(bars fetched, {symbol: error}) for ``symbols`` up to the sessions closed before ``now`` (aware).

    Raises ``UsDataError`` when every symbol failed (Yahoo unreachable).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.date()
    bars: list[UsBar] = []
    errors: dict[str, str] = {}
    starts = fetch_starts(symbols, last_days, today)
    for sym, start in starts.items():
        try:
            frame = history(sym, start, today + timedelta(days=1))
        except Exception as err:  # noqa: BLE001 - yfinance raises curl, HTTP and parsing errors
            errors[sym] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}".strip()
            continue
        bars.extend(frame_to_bars(sym, frame, now))
    if starts and len(errors) == len(starts):
        first = next(iter(errors.values()))
        raise UsDataError(f"Yahoo Finance could not be reached for any of {len(errors)} symbols ({first})")
    return bars, errors
