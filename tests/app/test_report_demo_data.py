"""Issue check: on generated demo data, `gslts report --date 2026-11-20 --json` gives 5–10 valid picks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories.bars import store_history
from db.seed import seed
from trading.market.history import generate_history
from trading.market.stocks import load_listing


def test_report_on_demo_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    store_history(
        engine, generate_history(load_listing(), end=date(2026, 11, 20), years=1, minute_days=0, seed=42)
    )
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
