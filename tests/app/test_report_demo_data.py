"""Issue check: on generated demo data, `gslts report --date 2026-11-20 --json` gives 5–10 valid picks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories.bars import store_history
from db.seed import seed
from trading.market.history import generate_history
from trading.market.stocks import load_listing


def demo_db(tmp_path, end: date):  # noqa: ANN001, ANN201
    """(url, engine) of a SQLite file with the stock master and one year of demo daily history to ``end``."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    store_history(engine, generate_history(load_listing(), end=end, years=1, minute_days=0, seed=42))
    return url, engine


def test_report_on_demo_history(tmp_path):
    url, engine = demo_db(tmp_path, date(2026, 11, 20))
    engine.dispose()
    out = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "report", "--date", "2026-11-20", "--json"],
        env={**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    listed = {s.code for s in load_listing()}
    up = {s["code"] for s in report["kr_sectors"] if s["direction"] == "up"}
    cutoff = len(listed) * 0.2
    assert 5 <= len(report["picks"]) <= 10
    assert report["simulated"] is True
    for pick in report["picks"]:
        assert pick["code"] in listed and pick["sector_code"] in up and pick["value_rank"] <= cutoff


def test_demo_start_builds_the_session_report_once(tmp_path):
    """A demo start on a weekend: the report of the next session (what the demo market trades) exists."""
    from db.repositories.history import load_track_record
    from db.repositories.reports import get_report, report_dates
    from trading.config import load_settings
    from workers.report_jobs import ensure_demo_report

    url, engine = demo_db(tmp_path, date(2026, 11, 27))
    settings = load_settings(database_url=url, data_dir=tmp_path / "data")
    monday = date(2026, 11, 30)  # the demo clock's session when started on Sunday 2026-11-29
    status = ensure_demo_report(engine, settings, monday)
    assert status.startswith("ok"), status
    report = get_report(engine, monday)
    assert report is not None and 5 <= len(report["picks"]) <= 10
    assert report["us_session_date"] == "2026-11-27"  # Friday's US session, the last before the open
    # The stored US series was extended with the simulated Friday session the demo market trades on.
    from db.repositories.bars import us_bars
    from trading.market.us import us_session_returns

    xlk = us_bars(engine, "XLK", date(2026, 11, 24), date(2026, 11, 27))
    closes = [float(x) for x in xlk["close"]]
    assert closes[-1] / closes[-2] - 1 == pytest.approx(
        us_session_returns(settings.market_seed, date(2026, 11, 27))["XLK"], abs=1e-4
    )
    assert load_track_record(engine)["sessions"] > 100
    assert ensure_demo_report(engine, settings, monday) == f"skipped: report {monday} exists"
    assert report_dates(engine) == [monday]
    engine.dispose()
