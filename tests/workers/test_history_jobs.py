"""Daily history: CSV import (idempotent, bad files reported, nothing partial), the resumable broker
backfill against the fake KIS/Kiwoom servers, the paper end-of-day bars and the stored track record."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event
from support.history import venue, write_csv

from db.repositories import history as repo
from db.repositories import stocks as stock_repo
from trading.brokers.errors import BrokerUnavailable
from trading.config import load_settings
from trading.domain import KST
from trading.krx.calendar import krx_session_bounds
from trading.market.csv_history import parse_file
from trading.stocks import read_listing
from workers import history_jobs
from workers.history_jobs import FetchPlan, backfill, backfill_job_key, import_dir, run_fetch

CODES = ["005930", "000660", "035420", "005380", "051910"]


def _seed(engine, codes=CODES) -> None:
    stock_repo.upsert_sectors(engine)
    listing = {s.code: s for s in read_listing()}
    stock_repo.upsert_stocks(engine, [listing[c] for c in codes])


# --- import ---------------------------------------------------------------------------------------


def test_import_is_idempotent_and_a_bad_file_is_reported_and_stored_not_at_all(db_engine, tmp_path):
    d = tmp_path / "csv"
    d.mkdir()
    write_csv(d / "a_good.csv", ["005930,2026-11-26,55000,56000,54800,55700,100,5570000",
                                 "5930,20261127,55700,56100,55000,56000,200,11200000",  # zeros dropped
                                 "000660,2026-11-27,120000,121000,119000,120500,10,1205000"])  # fmt: skip
    write_csv(d / "b_bad.csv", ["035420,2026-11-26,200000,201000,199000,200500,5,1002500",
                                "035420,2026-11-27,200500,199000,198000,198500,5,992500",  # high < open
                                "035420,2026-11-30,abc,1,1,1,1,1"])  # fmt: skip
    (d / "c_header.csv").write_text("code;date;close\n005930;2026-11-26;1\n")
    (d / "notes.txt").write_text("ignored")

    first = import_dir(db_engine, d).to_dict()
    assert not first["ok"] and first["failed_files"] == 2 and first["rows"] == 3
    by_file = {f["file"]: f for f in first["files"]}
    assert by_file["a_good.csv"]["ok"] and by_file["a_good.csv"]["rows"] == 3
    bad = by_file["b_bad.csv"]
    assert bad["errors"][0].startswith("b_bad.csv:3: prices out of order")
    assert bad["errors"][1].startswith("b_bad.csv:4: open 'abc' is not a number")
    assert by_file["c_header.csv"]["errors"][0].startswith("c_header.csv:1: header lacks")
    rows = repo.daily_rows(db_engine, date(2026, 11, 1), date(2026, 11, 30))
    assert {r[0] for r in rows} == {"005930", "000660"}  # nothing of b_bad.csv, not even its good line 2
    assert all(r[8] == "csv" for r in rows)

    second = import_dir(db_engine, d).to_dict()
    assert second["rows"] == 3
    assert repo.daily_rows(db_engine, date(2026, 11, 1), date(2026, 11, 30)) == rows  # same rows

    # A corrected file replaces its bars (the upsert), still one row per (code, day).
    write_csv(d / "a_good.csv", ["005930,2026-11-26,55000,56000,54800,55800,100,5580000"])
    import_dir(db_engine, d)
    again = repo.daily_rows(db_engine, date(2026, 11, 26), date(2026, 11, 26))
    assert [(r[0], r[5], r[7]) for r in again] == [("005930", 55800, 5580000)]


def test_a_file_is_one_transaction(sqlite_engine, tmp_path, monkeypatch):
    """A database failure in the middle of a file rolls the whole file back."""
    d = tmp_path / "csv"
    d.mkdir()
    lines = [f"{c},2026-11-27,1000,1100,900,1000,1,1000" for c in CODES]
    write_csv(d / "x.csv", lines)
    monkeypatch.setattr(repo, "CHUNK", 2)  # three statements for the five rows
    calls = {"n": 0}

    def second_chunk_fails(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        if statement.lstrip().upper().startswith("INSERT INTO DAILY_BARS"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")

    event.listen(sqlite_engine, "before_cursor_execute", second_chunk_fails)
    out = import_dir(sqlite_engine, d).to_dict()
    assert not out["ok"] and "disk full" in out["files"][0]["errors"][0]
    assert repo.daily_bar_count(sqlite_engine) == 0


def test_parse_file_lists_every_bad_line(tmp_path):
    p = write_csv(tmp_path / "d.csv", ["005930,2026-11-27,1,1,1,1,1,1", "005930,2026-11-27,1,1,1,1,1,1",
                                       "12345678,2026-11-27,1,1,1,1,1,1", "005930,27/11/2026,1,1,1,1,1,1",
                                       "005930,2026-11-28,1,1,1"])  # fmt: skip
    with pytest.raises(ValueError) as err:
        parse_file(p)
    text = str(err.value)
    assert "d.csv:3: 005930 2026-11-27 already on line 2" in text
    assert "d.csv:4: code '12345678'" in text and "d.csv:5: date '27/11/2026'" in text
    assert "d.csv:6: 5 fields, the header has 8" in text


# --- backfill -------------------------------------------------------------------------------------


class Killed(BaseException):
    """The process dies mid-run (not a broker error: nothing catches it)."""


class KilledAfter:
    def __init__(self, broker, n: int):  # noqa: ANN001
        self.broker, self.left = broker, n

    def daily_bars(self, code, start, end):  # noqa: ANN001, ANN201
        if self.left == 0:
            raise Killed()
        self.left -= 1
        return self.broker.daily_bars(code, start, end)


@pytest.mark.parametrize("name", ["kis", "kiwoom"])
def test_backfill_resumes_after_an_interrupted_run(name, db_engine, tmp_path):
    _seed(db_engine)
    start, end = date(2026, 10, 1), date(2026, 11, 27)
    with venue(name, tmp_path) as v:
        with pytest.raises(Killed):
            backfill(db_engine, v.settings, KilledAfter(v.adapter, 2), start, end)
        key = backfill_job_key(name, start, end)
        assert repo.done_codes(db_engine, key) == set(sorted(CODES)[:2])
        asked_before = len(v.fake.daily_codes)
        out = backfill(db_engine, v.settings, v.adapter, start, end)
        assert out["complete"] and out["skipped_done"] == 2 and out["fetched"] == 3
        asked = v.fake.daily_codes[asked_before:]
        assert set(asked) == set(sorted(CODES)[2:])  # the finished stocks were not fetched again
        rows = repo.daily_rows(db_engine, start, end)
        assert {r[0] for r in rows} == set(CODES) and all(r[8] == name for r in rows)
        weekdays = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        weekdays = [d for d in weekdays if d.weekday() < 5]  # the fakes answer every weekday
        assert len(rows) == len(CODES) * len(weekdays)
        # A third run fetches nothing and changes nothing (idempotent).
        again = backfill(db_engine, v.settings, v.adapter, start, end)
        assert again["fetched"] == 0 and repo.daily_rows(db_engine, start, end) == rows


def test_backfill_stops_on_broker_failures_and_the_next_run_finishes(sqlite_engine, tmp_path):
    _seed(sqlite_engine)
    start, end = date(2026, 11, 2), date(2026, 11, 27)

    class Down:
        def daily_bars(self, code, start, end):  # noqa: ANN001, ANN201
            raise BrokerUnavailable("KIS: HTTP 500")

    with venue("kis", tmp_path, history_max_failures=2) as v:
        out = backfill(sqlite_engine, v.settings, Down(), start, end)
        assert not out["complete"] and out["failures"] == 2 and "stopped after 2 failures" in out["stopped"]
        out = backfill(sqlite_engine, v.settings, v.adapter, start, end)
        assert out["complete"] and out["fetched"] == len(CODES)  # the failed ones are retried


def test_backfill_refuses_the_paper_broker(sqlite_engine, tmp_path):
    settings = load_settings(data_dir=tmp_path, redis_url=None)
    with pytest.raises(ValueError, match="KIS or Kiwoom"):
        backfill(sqlite_engine, settings, None, date(2026, 11, 2))  # type: ignore[arg-type]


def test_run_fetch_counts_rows_per_plan(sqlite_engine, tmp_path):
    with venue("kis", tmp_path) as v:
        plan = FetchPlan("t", "kis", date(2026, 11, 23), date(2026, 11, 27), ("005930",))
        out = run_fetch(sqlite_engine, v.adapter, plan)
    assert out["complete"] and out["rows"] == 5 and repo.progress(sqlite_engine, "t")["rows"] == 5


# --- end of day -----------------------------------------------------------------------------------


def test_eod_job_writes_a_bar_for_every_stock_of_the_paper_session(sqlite_engine, tmp_path):
    from trading.brokers.paper.broker import PaperBroker
    from trading.market.service import MarketService
    from trading.market.stocks import load_listing

    stocks = load_listing()[:40]
    _seed(sqlite_engine, [s.code for s in stocks])
    day = date(2026, 11, 27)
    open_, close = krx_session_bounds(day)

    class Clock:
        def __init__(self) -> None:
            self.t = open_ - timedelta(minutes=1)

        def now(self) -> datetime:
            return self.t

        def session_date(self) -> date:
            return day

        def phase(self):  # noqa: ANN201
            from trading.market.clock import phase_at

            return phase_at(self.t)

    clock = Clock()
    service = MarketService(stocks, clock=clock, seed=5)
    reader = PaperBroker(service)
    settings = load_settings(data_dir=tmp_path, redis_url=None)
    history_jobs.set_market_reader(lambda: reader)
    try:
        clock.t = open_ + timedelta(minutes=30)
        service.step()
        mid = history_jobs.eod_bars(sqlite_engine, settings)
        assert mid.startswith("skipped: the paper session of 2026-11-27 has not closed"), mid
        while clock.t < close + timedelta(minutes=1):
            clock.t += timedelta(minutes=15)
            service.step()
        status = history_jobs.eod_bars(sqlite_engine, settings)
        assert status == f"ok: {len(stocks)} daily bars of {day} (simulated)", status
        assert history_jobs.eod_bars(sqlite_engine, settings).startswith("skipped: the bars of 2026-11-27")
    finally:
        history_jobs.set_market_reader(None)
    rows = repo.daily_rows(sqlite_engine, day, day)
    assert [r[0] for r in rows] == sorted(s.code for s in stocks)  # every stock
    for r in rows:
        code, _, o, h, lo, c, vol, val, src = r
        q = reader.quote(code)
        assert (o, h, lo, c, vol, val) == (q.open, q.high, q.low, q.price, q.volume, q.value)
        assert src == "simulated" and lo <= min(o, c) <= max(o, c) <= h and val > 0


def test_eod_job_with_the_broker_fetches_every_stock_resumably(sqlite_engine, tmp_path):
    _seed(sqlite_engine)
    with venue("kis", tmp_path) as v:
        now = datetime(2026, 11, 27, 16, 10, tzinfo=KST)
        out = history_jobs.write_session_bars(sqlite_engine, v.settings, v.adapter, now)
        assert out["status"] == "ok" and out["day"] == "2026-11-27" and out["fetched"] == len(CODES)
        again = history_jobs.write_session_bars(sqlite_engine, v.settings, v.adapter, now)
        assert again["fetched"] == 0 and again["skipped_done"] == len(CODES)
    assert repo.daily_bar_count(sqlite_engine, date(2026, 11, 27)) == len(CODES)


# --- track record -----------------------------------------------------------------------------------


def test_track_record_is_read_from_the_database(db_engine):
    assert repo.load_track_record(db_engine) is None
    for n in range(3):
        repo.save_track_record(
            db_engine, {"sessions": n, "end": "2026-11-27", "kr_data": "real", "us_data": "real"}
        )
    rec = repo.load_track_record(db_engine)
    assert rec["sessions"] == 2 and rec["kr_data"] == "real" and repo.track_record_count(db_engine) == 3


def test_eod_from_the_recorder_aggregates_the_day_minutes(sqlite_engine, tmp_path):
    import pandas as pd

    from db.repositories.bars import insert_minute_bars

    day = date(2026, 11, 27)
    t0 = datetime(2026, 11, 27, 9, 0)
    minutes = pd.DataFrame(
        [("005930", t0, 100, 110, 95, 105, 10, 1000), ("005930", t0 + timedelta(minutes=1), 105, 120, 104, 118, 5, 590),
         ("000660", t0, 50, 50, 50, 50, 1, 50)],
        columns=["code", "time", "open", "high", "low", "close", "volume", "value"],
    )  # fmt: skip
    insert_minute_bars(sqlite_engine, minutes)
    settings = load_settings(data_dir=tmp_path, redis_url=None, broker="paper", eod_bars_source="recorder")
    out = history_jobs.write_session_bars(
        sqlite_engine, settings, None, datetime(2026, 11, 27, 16, 0, tzinfo=KST)
    )
    assert out["rows"] == 2
    rows = {r[0]: r[2:] for r in repo.daily_rows(sqlite_engine, day, day)}
    assert rows["005930"] == (100, 120, 95, 118, 15, 1590, "simulated")


def test_the_next_sessions_report_picks_by_the_brokers_trading_value(sqlite_engine, tmp_path):
    """Issue 14: with a broker, the end-of-day job writes the session's bars from the broker's daily chart,
    and the next morning's report picks 5–10 stocks by that 거래대금 and says its Korean data is real."""
    import support.report_data as rd

    from db.repositories import reports
    from db.repositories import stocks as stocks_repo
    from trading.market.us_data import UsBar
    from workers.report_jobs import build_and_store

    stocks_repo.upsert_sectors(sqlite_engine)
    listing = rd.listing()
    stocks_repo.upsert_stocks(sqlite_engine, [listing[c] for c in rd.ranked_codes()])
    stocks_repo.seed_mapping(sqlite_engine, rd.SEED_MAPPING)
    reports.upsert_us_bars(sqlite_engine, [
        UsBar(sym, day, c.close, c.close, c.close, c.close, 1_000_000, c.source)
        for sym, series in rd.us_closes().items() for day, c in series.items()
    ])  # fmt: skip
    with venue("kis", tmp_path) as v:
        v.fake.daily_values = rd.values()  # the broker's 거래대금 of that session
        # 17:00: after the close, also on 2026-11-19 (수능: the session runs 10:00-16:30)
        now = datetime.combine(rd.PREV_KRX, datetime.min.time().replace(hour=17), KST)
        out = history_jobs.write_session_bars(sqlite_engine, v.settings, v.adapter, now)
        assert out["status"] == "ok" and out["day"] == rd.PREV_KRX.isoformat()
        assert out["fetched"] == len(rd.ranked_codes())
        report = build_and_store(sqlite_engine, v.settings, rd.SESSION)
    rows = repo.daily_rows(sqlite_engine, rd.PREV_KRX, rd.PREV_KRX)
    assert {r[8] for r in rows} == {"kis"}
    broker_value = {r[0]: r[7] for r in rows}
    picks = report["picks"]
    assert 5 <= len(picks) <= 10
    assert report["kr_data"] == "real" and not report["simulated"]
    assert [p["value"] for p in picks] == [broker_value[p["code"]] for p in picks]  # the broker's 거래대금
    assert all(p["value"] == rd.values()[p["code"]] for p in picks)
