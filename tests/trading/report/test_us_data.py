"""US data refresh: recorded yfinance frames at the boundary, a real network failure, the fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from support import report_data as rd

from db.repositories import reports as repo
from trading.config import load_settings
from trading.market.us_data import UsDataError, fetch_us_bars, frame_to_bars, yahoo_history
from trading.report.config import US_SYMBOLS
from workers.report_jobs import build_and_store, refresh_us_data

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "yfinance"
AFTER_CLOSE = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # NYSE closed at 21:00 UTC


def recorded(symbol: str, start: date, end: date) -> pd.DataFrame:
    """What yfinance returned for ``symbol`` (recorded CSV), filtered like Yahoo filters by date."""
    df = pd.read_csv(FIXTURES / f"{symbol.replace('^', '_')}.csv")
    idx = pd.to_datetime(df.pop("Date"), utc=True).dt.tz_convert("America/New_York")
    df.index = pd.DatetimeIndex(idx, name="Date")
    keep = (df.index.date >= start) & (df.index.date < end)
    return df[keep]


def test_recorded_frames_become_bars_of_closed_sessions_only():
    frame = recorded("XLK", date(2026, 11, 1), date(2026, 11, 21))
    bars = frame_to_bars("XLK", frame, AFTER_CLOSE)
    assert [b.day for b in bars][-1] == date(2026, 11, 20) and len(bars) == 5
    assert bars[0].close == pytest.approx(207.797609) and bars[0].source == "yfinance"
    during = frame_to_bars("XLK", frame, datetime(2026, 11, 20, 18, 0, tzinfo=UTC))  # session still open
    assert [b.day for b in during][-1] == date(2026, 11, 19)


def test_fetch_is_incremental_from_the_last_stored_day():
    calls = []

    def history(sym, start, end):
        calls.append((sym, start, end))
        return recorded(sym, start, end)

    bars, errors = fetch_us_bars(["XLK", "^SOX"], {"XLK": date(2026, 11, 19)}, AFTER_CLOSE, history)
    assert errors == {}
    assert calls[0] == ("XLK", date(2026, 11, 19), date(2026, 11, 21))
    assert calls[1][1] < date(2025, 11, 1)  # no stored bars: about a year of backfill
    assert sorted({(b.symbol, b.day) for b in bars if b.symbol == "XLK"}) == [
        ("XLK", date(2026, 11, 19)),
        ("XLK", date(2026, 11, 20)),
    ]


def test_refresh_job_stores_then_network_failure_is_clear_and_report_falls_back(
    db_engine, tmp_path, monkeypatch
):
    rd.insert_fixed_market(db_engine)  # US bars up to 2026-11-19 (yfinance)
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None)
    now = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)  # KST 2026-11-20 07:30, a KRX session
    status = refresh_us_data(db_engine, settings, now=now, history=recorded)
    assert status.startswith("ok:") and "latest session 2026-11-19" in status
    assert repo.last_us_days(db_engine)["XLK"] == date(2026, 11, 19)
    assert set(repo.last_us_days(db_engine)) == set(US_SYMBOLS)

    # Yahoo unreachable, through the real yfinance path (a proxy that refuses connections).
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    later = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # KST Mon 2026-11-23 07:30
    with pytest.raises(UsDataError) as err:
        refresh_us_data(db_engine, settings, now=later, history=yahoo_history)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("Yahoo Finance could not be reached")
    assert "last stored US data (2026-11-19)" in msg

    # The Monday report uses the last stored data and says which date.
    rep = build_and_store(db_engine, settings, date(2026, 11, 23))
    assert rep["us_session_expected"] == "2026-11-20" and rep["us_session_date"] == "2026-11-19"
    assert rep["stale_note"]["code"] == "us_data_stale" and "2026-11-19" in rep["stale_note"]["ko"]


def test_refresh_skips_non_sessions_and_demo_mode(sqlite_engine, tmp_path):
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None)
    sat = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # KST Saturday 08:00
    assert refresh_us_data(sqlite_engine, settings, now=sat).startswith("skipped:")
    rd.insert_fixed_market(sqlite_engine, source="simulated")

    def boom(*_a):
        raise AssertionError("Yahoo must not be called in demo mode")

    now = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)
    assert "demo mode" in refresh_us_data(sqlite_engine, settings, now=now, history=boom)
