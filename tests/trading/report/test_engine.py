"""The report engine on fixed data: expected picks, sector calls, shortfall, stale and simulated data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support import report_data as rd

from trading.report import ReportConfig, build_report
from trading.report.engine import cutoff_rank, value_ranks
from trading.report.model import MapRow


def test_expected_picks_and_sector_calls():
    rep = build_report(rd.report_input())
    assert [p.code for p in rep.picks] == rd.EXPECTED_PICKS
    assert rep.us_session_date == rd.US_DAY and rep.prev_krx_session == rd.PREV_KRX
    assert rep.market_size == 50 and rep.value_cutoff_rank == 10
    assert [m.symbol for m in rep.us_sectors[:3]] == ["SOXX", "SMH", "XLK"]
    assert [m.signal for m in rep.us_sectors[:4]] == ["up", "up", "up", None]
    calls = {k.code: k.direction for k in rep.kr_sectors}
    assert calls["SEMI"] == "up" and calls["IT"] == "up"
    assert calls["ENERGY"] == "down" and calls["UTIL"] == "down"  # −1.5% and exactly −1.0%
    assert calls["HEALTH"] == "neutral" and calls["FIN"] == "neutral"  # 4th riser; −0.5%
    semi = next(k for k in rep.kr_sectors if k.code == "SEMI")
    assert semi.signal_pct == pytest.approx(3.0 + 2.5 + 0.5 * 2.0, abs=1e-6)
    top = rep.picks[0]
    assert top.value_rank == 1 and top.score == pytest.approx(6.5, abs=1e-6)
    assert {r["kind"] for r in top.reasons} == {"sector", "value_rank"}
    assert {r["etf"] for r in top.reasons if r["kind"] == "sector"} == {"SOXX", "SMH", "XLK"}
    for p in rep.picks:
        assert p.sector_code in ("SEMI", "IT") and p.value_rank <= 10
    assert not rep.simulated and rep.data_source == "yfinance" and rep.stale_note is None
    assert rep.notes == []


def test_to_dict_is_json_with_the_documented_keys():
    d = build_report(rd.report_input()).to_dict()
    json.dumps(d)
    assert {"session_date", "us_session_date", "data_source", "simulated", "stale_note"} <= d.keys()
    assert {"symbol", "name", "return_pct", "rank"} <= d["us_sectors"][0].keys()
    assert {"code", "name_ko", "name_en", "direction", "drivers"} <= d["kr_sectors"][0].keys()
    assert {"code", "name", "sector_code", "value", "value_rank", "score", "reasons"} <= d["picks"][0].keys()
    assert "track_record" in d and d["session_date"] == "2026-11-20"


def test_fewer_than_five_picks_says_why():
    rep = build_report(rd.report_input(), ReportConfig(value_percentile=95))  # top 5% = ranks 1–3
    assert [p.code for p in rep.picks] == ["005930", "000660", "373220"]
    note = next(n for n in rep.notes if n.code == "few_picks")
    assert "3" in note.ko and "거래대금 상위 5%" in note.ko and "top 5%" in note.en


def test_disabled_mapping_rows_and_weights_count():
    rows = [MapRow(m.etf, m.sector_code, m.weight, m.etf != "XLK") for m in rd.mapping()]
    rep = build_report(rd.report_input(mapping=rows))
    calls = {k.code: k for k in rep.kr_sectors}
    assert calls["IT"].direction == "neutral"  # XLK → IT disabled
    assert calls["SEMI"].signal_pct == pytest.approx(5.5, abs=1e-6)
    assert all(p.sector_code == "SEMI" for p in rep.picks) and len(rep.picks) == 6


def test_no_rising_sector_no_picks_with_a_note():
    falling = {s: -abs(r) - 0.1 for s, r in rd.US_RETURNS.items()}
    rep = build_report(rd.report_input(us=rd.us_closes(falling)))
    assert rep.picks == [] and any(n.code == "no_rising_sector" for n in rep.notes)
    assert all(k.direction != "up" for k in rep.kr_sectors)


def test_missing_us_session_falls_back_to_last_stored_and_says_so():
    older = rd.us_closes(day=date(2026, 11, 18), prev=date(2026, 11, 17))
    rep = build_report(rd.report_input(us=older))
    assert rep.us_session_date == date(2026, 11, 18) and rep.us_session_expected == rd.US_DAY
    assert rep.stale_note is not None and rep.stale_note.code == "us_data_stale"
    assert "2026-11-18" in rep.stale_note.ko and "2026-11-19" in rep.stale_note.en
    assert [p.code for p in rep.picks] == rd.EXPECTED_PICKS


def test_no_us_data_at_all():
    rep = build_report(rd.report_input(us={}))
    assert rep.us_session_date is None and rep.picks == [] and rep.data_source == "none"
    assert rep.stale_note is not None and rep.stale_note.code == "us_data_missing"


def test_simulated_series_are_labelled():
    rep = build_report(rd.report_input(us=rd.us_closes(source="simulated")))
    assert rep.simulated and rep.data_source == "simulated"
    assert any(n.code == "simulated" for n in rep.notes)
    assert rep.to_dict()["simulated"] is True


def test_no_kr_values():
    rep = build_report(rd.report_input(values={}))
    assert rep.picks == [] and any(n.code == "no_kr_values" for n in rep.notes)


def test_at_most_ten_picks_and_sector_cap_then_fill():
    many = {f"X{i:05d}": (100 - i) * 10**10 for i in range(200)}
    refs = {c: rd.StockRef(c, c, c, "SEMI" if i % 2 else "IT") for i, c in enumerate(many)}
    rep = build_report(rd.report_input(stocks=refs, values=many))
    assert len(rep.picks) == 10
    assert sum(p.sector_code == "SEMI" for p in rep.picks) == 5  # capped at 5, IT fills 5


def test_value_rank_and_cutoff_helpers():
    assert value_ranks({"B": 5, "A": 5, "C": 9, "D": 0}) == {"C": 1, "A": 2, "B": 3}
    assert cutoff_rank(50, 80) == 10 and cutoff_rank(51, 80) == 11 and cutoff_rank(3, 80) == 1
    assert cutoff_rank(0, 80) == 0
    with pytest.raises(ValueError):
        ReportConfig(value_percentile=100)
