"""CSV/Markdown export of a report, and the scheduler job functions on a real database."""

from __future__ import annotations

import csv
import io
from datetime import date

from support import report_data as rd

from db.repositories import reports as repo
from db.repositories.history import load_track_record, track_record_count
from trading.config import load_settings
from trading.report import build_report
from trading.report.export import to_csv, to_markdown
from workers.report_jobs import make_morning_report, recompute_track_record


def test_csv_and_markdown_export():
    rep = build_report(rd.report_input()).to_dict()
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert [r["code"] for r in rows] == rd.EXPECTED_PICKS
    assert rows[0]["name"] == "삼성전자" and rows[0]["sector"] == "반도체" and rows[0]["value_rank"] == "1"
    assert "거래대금 1위" in rows[0]["reasons"] and rows[0]["simulated"] == "no"
    assert list(csv.DictReader(io.StringIO(to_csv(rep, "en"))))[0]["sector"] == "Semiconductors"
    md = to_markdown(rep)
    assert md.startswith("# 오늘의 섹터 분석 (2026-11-20)")
    assert "1. iShares Semiconductor ETF (SOXX) +3.00%" in md and "- 반도체: 강세 예상" in md
    assert "**[반도체]**" in md and "- 삼성전자 (005930) | 거래대금 1위 | 2.5조" in md
    assert "투자 권유가 아닙니다" in md
    assert "Not investment advice" in to_markdown(rep, "en")


def test_jobs_check_the_calendar_store_the_report_and_the_track_record(sqlite_engine, tmp_path):
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None)
    assert make_morning_report(sqlite_engine, settings, date(2026, 6, 3)).startswith("skipped:")
    assert recompute_track_record(sqlite_engine, settings, date(2026, 11, 21)).startswith("skipped:")
    assert "no Korean daily bars" in recompute_track_record(sqlite_engine, settings, rd.SESSION)

    rd.insert_fixed_market(sqlite_engine)
    status = make_morning_report(sqlite_engine, settings, rd.SESSION)
    assert status.startswith("ok: report 2026-11-20 with 8 picks from US 2026-11-19")
    assert [c for _, c, _ in repo.report_picks(sqlite_engine, rd.SESSION)] == rd.EXPECTED_PICKS

    # Only one KRX day of bars: the track record has nothing to pair yet, and says so honestly.
    status = recompute_track_record(sqlite_engine, settings, rd.SESSION)
    assert status.startswith("skipped: not enough") or status.startswith("ok: track record over 0")
    # Add the session's own bars: one measurable day.
    from db.engine import session_scope
    from db.models import DailyBar

    with session_scope(sqlite_engine) as s:
        for code, v in rd.values().items():
            close = 10_300 if rd.listing()[code].sector_code == "SEMI" else 10_000
            s.add(
                DailyBar(
                    code=code,
                    day=rd.SESSION,
                    open=10_000,
                    high=close,
                    low=10_000,
                    close=close,
                    volume=1,
                    value=v,
                    source="csv",
                )
            )
    status = recompute_track_record(sqlite_engine, settings, rd.SESSION)
    assert status.startswith("ok: track record over 1 sessions (2026-11-20..2026-11-20)")
    rec = load_track_record(sqlite_engine)  # in the database, not a local file
    assert rec["sessions"] == 1 and track_record_count(sqlite_engine) == 1
    assert not (tmp_path / "reports" / "track_record.json").exists()
    assert rec["kr_data"] == "real" and rec["us_data"] == "real"  # report_data's bars: yfinance, kis
    assert rec["picks"]["days"] == 1 and rec["picks"]["excess_pct"] > 0
    # The next report embeds the current track record.
    make_morning_report(sqlite_engine, settings, rd.SESSION)
    assert repo.get_report(sqlite_engine, rd.SESSION)["track_record"]["sessions"] == 1
