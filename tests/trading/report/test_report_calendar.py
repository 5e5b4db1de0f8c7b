"""Which US session feeds which KRX session; non-sessions are clear errors."""

from __future__ import annotations

from datetime import date, time

import pytest
from support import report_data as rd

from trading.report import ReportDateError, build_report, signal_window


def test_weekday_uses_the_previous_us_session():
    w = signal_window(date(2026, 11, 18))  # Wednesday
    assert w.us_session == date(2026, 11, 17) and w.us_prev_session == date(2026, 11, 16)
    assert w.new_us_sessions == (date(2026, 11, 17),) and w.prev_krx_session == date(2026, 11, 17)


def test_monday_uses_friday():
    w = signal_window(date(2026, 11, 23))
    assert w.us_session == date(2026, 11, 20) and w.us_prev_session == date(2026, 11, 19)
    assert w.new_us_sessions == (date(2026, 11, 20),)


def test_thanksgiving_friday_repeats_wednesday_and_says_so():
    w = signal_window(date(2026, 11, 27))  # US closed Thu 2026-11-26
    assert w.us_session == date(2026, 11, 25) and w.repeated
    rep = build_report(
        rd.report_input(date(2026, 11, 27), us=rd.us_closes(day=date(2026, 11, 25), prev=date(2026, 11, 24)))
    )
    assert rep.us_session_date == date(2026, 11, 25)
    note = next(n for n in rep.notes if n.code == "us_session_repeated")
    assert "2026-11-25" in note.ko and "2026-11-26" in note.en


def test_monday_after_thanksgiving_uses_the_early_close_friday():
    w = signal_window(date(2026, 11, 30))
    assert w.us_session == date(2026, 11, 27) and w.us_prev_session == date(2026, 11, 25)


def test_kr_holiday_after_us_session_reports_the_gap():
    # KRX closed Fri 2026-09-25 (Chuseok): Mon 09-28 sees US 09-24 and 09-25 since KRX 09-23.
    w = signal_window(date(2026, 9, 28))
    assert w.prev_krx_session == date(2026, 9, 23)
    assert w.new_us_sessions == (date(2026, 9, 23), date(2026, 9, 24), date(2026, 9, 25))
    rep = build_report(
        rd.report_input(date(2026, 9, 28), us=rd.us_closes(day=date(2026, 9, 25), prev=date(2026, 9, 24)))
    )
    assert rep.us_session_date == date(2026, 9, 25)
    note = next(n for n in rep.notes if n.code == "us_sessions_gap")
    assert note.en.startswith("US sessions since the last KRX session: 3")
    assert "2026-09-23, 2026-09-24, 2026-09-25" in note.ko
    assert rep.to_dict()["us_sessions_since_prev_krx"] == ["2026-09-23", "2026-09-24", "2026-09-25"]


def test_first_session_of_the_year_opens_at_ten():
    w = signal_window(date(2026, 1, 2))
    assert w.krx_open.time() == time(10, 0)
    assert w.us_session == date(2025, 12, 31)  # US closed on New Year's Day
    assert w.prev_krx_session == date(2025, 12, 30)  # KRX closed on 12-31
    assert w.new_us_sessions == (date(2025, 12, 30), date(2025, 12, 31))


@pytest.mark.parametrize("day", [date(2026, 6, 3), date(2026, 7, 17)])
def test_project_calendar_corrections_are_not_sessions(day):
    with pytest.raises(ReportDateError, match=f"{day.isoformat()} is not a KRX trading day"):
        signal_window(day)
    with pytest.raises(ReportDateError, match="next session"):
        build_report(rd.report_input(day))


def test_weekend_and_out_of_range_are_errors():
    with pytest.raises(ReportDateError, match="not a KRX trading day"):
        signal_window(date(2026, 11, 21))
    with pytest.raises(ReportDateError, match="outside the calendar"):
        signal_window(date(2040, 1, 2))


def test_day_after_correction_sees_two_us_sessions():
    w = signal_window(date(2026, 6, 4))
    assert w.prev_krx_session == date(2026, 6, 2)
    assert w.new_us_sessions == (date(2026, 6, 2), date(2026, 6, 3))
