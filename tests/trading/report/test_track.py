"""Track record on a fixed synthetic history, and the statistics helpers."""

from __future__ import annotations

from datetime import date

import pytest
from support import report_data as rd

from trading.krx.calendar import krx_sessions
from trading.report import TrackInput, compute_track_record
from trading.report.stats import pearson, wilson


def test_pearson_and_wilson_known_values():
    assert pearson([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert pearson([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 2], [1, 2]) is None and pearson([1, 1, 1], [1, 2, 3]) is None
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) is None
    lo0, hi0 = wilson(0, 5)
    assert lo0 == 0.0 and hi0 == pytest.approx(0.4345, abs=1e-4)


def test_track_record_measures_correlation_hits_and_pick_excess():
    sessions = krx_sessions(date(2026, 10, 12), date(2026, 11, 20))
    rec = compute_track_record(rd.track_history(sessions))
    soxx = next(m for m in rec["mappings"] if m["etf"] == "SOXX")
    assert soxx["n"] > 20 and soxx["pearson_r"] == pytest.approx(1.0, abs=1e-3)
    assert soxx["calls"] >= 1 and soxx["hit_rate"] == 1.0 and soxx["ci_high"] == 1.0
    assert 0 < soxx["ci_low"] < 1
    p = rec["picks"]
    assert p["days"] > 0 and p["picks"] > 0
    assert p["excess_pct"] > 0 and p["avg_pick_return_pct"] == pytest.approx(1.0, abs=0.01)
    assert rec["sector_return"] == "equal-weight" and rec["sessions"] > 20
    assert rec["start"] >= "2026-10-12" and rec["end"] == "2026-11-20"


def test_track_record_without_data_is_empty_not_an_error():
    rec = compute_track_record(TrackInput([date(2026, 11, 20)], {}, {}, rd.mapping(), rd.stock_refs()))
    assert rec["sessions"] == 0 and rec["picks"] == {"days": 0, "picks": 0}
    assert all(m["pearson_r"] is None and m["hit_rate"] is None for m in rec["mappings"])
