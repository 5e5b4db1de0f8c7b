"""US data refresh with yfinance failing (recorded frames / raised errors): the KIS overseas fallback
(fake KIS server), and missing data shown as missing in the report, never simulated."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from support import report_data as rd
from support.history import venue

from db.repositories import reports as repo
from trading.market.us_data import UsDataError
from trading.report.config import SECTOR_ETFS, US_SYMBOLS
from workers.report_jobs import build_and_store, fetch_and_store_us, kis_fallback

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yfinance"
NOW = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # after the 2026-11-20 NYSE close
MONDAY = date(2026, 11, 23)  # the KRX session whose report uses US 2026-11-20


def recorded(symbol: str, start: date, end: date) -> pd.DataFrame:
    df = pd.read_csv(FIXTURES / f"{symbol.replace('^', '_')}.csv")
    df.index = pd.DatetimeIndex(
        pd.to_datetime(df.pop("Date"), utc=True).dt.tz_convert("America/New_York"), name="Date"
    )
    return df[(df.index.date >= start) & (df.index.date < end)]


def yahoo_down(symbol: str, start: date, end: date) -> pd.DataFrame:
    raise ConnectionError("Failed to perform, curl: (7) Couldn't connect to server")


def test_yahoo_down_kis_fallback_fills_what_it_can_and_the_report_names_the_rest(db_engine, tmp_path):
    rd.insert_fixed_market(db_engine)  # US bars up to 2026-11-19 from yfinance
    with venue("kis", tmp_path, broker="paper") as v:
        fb = kis_fallback(v.settings, v.adapter)
        status = fetch_and_store_us(db_engine, v.settings, NOW, yahoo_down, fb)
        assert {(s, e) for s, e, _ in v.fake.us_requests} >= {("XLK", "AMS"), ("SOXX", "NAS")}
    assert status.startswith("ok:") and "from kis" in status and "missing: " in status
    last = repo.last_us_days(db_engine)
    assert {s for s, d in last.items() if d == date(2026, 11, 20)} == {"XLK", "XLF", "SOXX"}
    rep = build_and_store(db_engine, v.settings, MONDAY)
    assert rep["us_session_date"] == "2026-11-20" and not rep["simulated"]
    assert rep["us_data"] == "real" and rep["data_source"] in ("kis", "mixed")
    missing = set(rep["us_missing"])
    assert missing == set(US_SYMBOLS) - {"XLK", "XLF", "SOXX"}
    assert any(n["code"] == "us_symbols_missing" for n in rep["notes"])
    assert {m["symbol"] for m in rep["us_sectors"]} == {"XLK", "XLF", "SOXX"}


def test_yahoo_failing_for_one_symbol_uses_the_fallback_for_it_only(sqlite_engine, tmp_path):
    def partly(symbol: str, start: date, end: date) -> pd.DataFrame:
        if symbol == "XLK":
            raise ValueError("XLK: No data found, symbol may be delisted")
        return recorded(symbol, start, end)

    with venue("kis", tmp_path, broker="paper") as v:
        status = fetch_and_store_us(
            sqlite_engine, v.settings, NOW, partly, kis_fallback(v.settings, v.adapter)
        )
        assert [s for s, _, _ in v.fake.us_requests] and {s for s, _, _ in v.fake.us_requests} == {"XLK"}
    assert "missing" not in status
    xlk = repo.us_series(sqlite_engine, date(2026, 11, 1), date(2026, 11, 20))["XLK"]
    assert {c.source for c in xlk.values()} == {"kis"}


def test_no_fallback_and_yahoo_down_stores_nothing_and_never_simulates(sqlite_engine, tmp_path):
    rd.insert_fixed_market(sqlite_engine)
    with venue("kis", tmp_path, broker="paper", us_data_fallback="none") as v:
        assert kis_fallback(v.settings, v.adapter) is None
        with pytest.raises(UsDataError) as err:
            fetch_and_store_us(sqlite_engine, v.settings, NOW, yahoo_down, None)
        assert "Yahoo Finance could not be reached" in str(err.value)
        assert "last stored US data (2026-11-19)" in str(err.value)
        assert v.fake.us_requests == []
        rep = build_and_store(sqlite_engine, v.settings, MONDAY)
    assert max(repo.last_us_days(sqlite_engine).values()) == date(2026, 11, 19)
    assert rep["us_session_date"] == "2026-11-19" and rep["stale_note"]["code"] == "us_data_stale"
    assert not rep["simulated"] and rep["us_data"] == "real"


def test_kis_fallback_without_answers_reports_both_errors(sqlite_engine, tmp_path):
    with venue("kis", tmp_path, broker="paper") as v:
        v.fake.us_prices.clear()  # KIS knows none of the symbols
        with pytest.raises(UsDataError, match="neither Yahoo Finance nor the fallback"):
            fetch_and_store_us(
                sqlite_engine, v.settings, NOW, yahoo_down, kis_fallback(v.settings, v.adapter)
            )
    assert repo.last_us_days(sqlite_engine) == {}
    assert len(SECTOR_ETFS) == 13
