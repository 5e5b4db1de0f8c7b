"""db.repositories.reports on SQLite and MariaDB: US bars, inputs, the mapping, stored reports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from support import report_data as rd

from db.engine import session_scope
from db.models import AuditLog, UsSectorMap
from db.repositories import reports as repo
from trading.market.us_data import UsBar
from trading.report import build_report


def test_us_bars_upsert_and_reads(db_engine):
    rd.insert_fixed_market(db_engine)
    assert repo.last_us_days(db_engine)["XLK"] == rd.US_DAY
    assert repo.latest_us_source(db_engine) == "yfinance"
    again = UsBar("XLK", rd.US_DAY, 1.0, 2.0, 0.5, 101.5, 7, "simulated")
    assert repo.upsert_us_bars(db_engine, [again]) == 1
    series = repo.us_series(db_engine, rd.US_PREV, rd.US_DAY)
    assert series["XLK"][rd.US_DAY].close == pytest.approx(101.5)
    assert series["XLK"][rd.US_DAY].source == "simulated"
    assert series["SOXX"][rd.US_PREV].close == pytest.approx(100.0)
    assert len(series) == len(rd.US_RETURNS)


def test_report_input_matches_the_fixed_data(db_engine):
    rd.insert_fixed_market(db_engine)
    inp = repo.report_input(db_engine, rd.SESSION)
    assert inp.values == rd.values() and len(inp.stocks) == 50
    assert {(m.etf, m.sector_code) for m in inp.mapping} >= {("SOXX", "SEMI"), ("XLK", "IT")}
    assert [p.code for p in build_report(inp).picks] == rd.EXPECTED_PICKS
    assert repo.kr_bar_days(db_engine) == (rd.PREV_KRX, rd.PREV_KRX)
    bars = repo.kr_bars(db_engine, rd.PREV_KRX, rd.PREV_KRX)
    assert bars[rd.PREV_KRX]["005930"] == (10_000, 10_000, rd.value_of(1))


def test_mapping_set_remove_audit_and_refusals(db_engine):
    rd.insert_fixed_market(db_engine)
    row = repo.set_mapping(db_engine, "xlk", "semi", weight=0.75, enabled=False, user="admin")
    assert row == {"etf": "XLK", "sector_code": "SEMI", "weight": 0.75, "enabled": False}
    new = repo.set_mapping(db_engine, "^SOX", "SEMI", user="admin")
    assert new["weight"] == 1.0 and new["enabled"] is True
    before = repo.map_rows(db_engine)
    for bad in (
        lambda: repo.set_mapping(db_engine, "QQQ", "SEMI", user="x"),
        lambda: repo.set_mapping(db_engine, "XLK", "NOPE", user="x"),
        lambda: repo.set_mapping(db_engine, "XLK", "IT", weight=0, user="x"),
        lambda: repo.set_mapping(db_engine, "XLK", "IT", weight=float("nan"), user="x"),
        lambda: repo.remove_mapping(db_engine, "XLE", "SEMI", user="x"),
    ):
        with pytest.raises(repo.MappingError):
            bad()
    assert repo.map_rows(db_engine) == before
    assert repo.remove_mapping(db_engine, "^SOX", "SEMI", user="admin")["etf"] == "^SOX"
    with session_scope(db_engine) as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
        xlk = s.scalar(select(UsSectorMap).where(UsSectorMap.etf == "XLK", UsSectorMap.sector_code == "SEMI"))
        assert xlk.updated_by == "admin"
    assert actions == ["sector_map.set", "sector_map.set", "sector_map.remove"]


def test_save_report_is_idempotent_per_session_date(db_engine):
    rd.insert_fixed_market(db_engine)
    report = build_report(repo.report_input(db_engine, rd.SESSION)).to_dict()
    repo.save_report(db_engine, report)
    report["picks"] = report["picks"][:5]
    repo.save_report(db_engine, report)
    assert repo.report_dates(db_engine) == [rd.SESSION]
    got = repo.get_report(db_engine, rd.SESSION)
    assert [p["code"] for p in got["picks"]] == rd.EXPECTED_PICKS[:5] and "created_at" in got
    assert [c for _, c, _ in repo.report_picks(db_engine, rd.SESSION)] == rd.EXPECTED_PICKS[:5]
    assert repo.get_report(db_engine, date(2026, 11, 19)) is None
