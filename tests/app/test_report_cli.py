"""``gslts report`` and ``gslts sectors`` as a user runs them (a subprocess on a real database).

The lead registers the commands in app/cli/__init__.py; here the wrapper adds them to the group.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from support import report_data as rd
from support.cli import run_cli

from db.engine import make_engine
from db.repositories import reports as repo

RUN = (
    "from app.cli import cli, main; from app.cli.report_cmds import report, sectors; "
    "cli.add_command(report); cli.add_command(sectors); main()"
)


def gslts(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_cli(*args, env=env, cwd=env["_CWD"], program=RUN)


@pytest.fixture(params=["sqlite", "mariadb"])
def seeded_env(request, tmp_path):
    url = request.getfixturevalue(f"{request.param}_url")
    env = {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path)}
    assert gslts("db", "upgrade", env=env).returncode == 0
    assert gslts("db", "seed", env=env).returncode == 0
    engine = make_engine(url)
    rd.insert_fixed_market(engine, seed_master=False)
    engine.dispose()
    return env


def test_report_json_picks_are_listed_liquid_stocks_of_rising_sectors(seeded_env):
    out = gslts("report", "--date", "2026-11-20", "--json", env=seeded_env)
    assert out.returncode == 0, out.stderr
    rep = json.loads(out.stdout)
    picks = rep["picks"]
    assert 5 <= len(picks) <= 10 and [p["code"] for p in picks] == rd.EXPECTED_PICKS
    rising = {k["code"] for k in rep["kr_sectors"] if k["direction"] == "up"}
    listing = rd.listing()
    for p in picks:
        assert p["code"] in listing and listing[p["code"]].sector_code == p["sector_code"]
        assert p["sector_code"] in rising and p["value_rank"] <= rep["value_cutoff_rank"]
    assert rep["us_sectors"][0]["symbol"] == "SOXX" and rep["simulated"] is False
    # Stored, and re-running replaces that date's report.
    again = gslts("report", "--date", "2026-11-20", env=seeded_env)
    assert again.returncode == 0 and "005930 삼성전자" in again.stdout
    engine = make_engine(seeded_env["DATABASE_URL"])
    assert repo.report_dates(engine) == [rd.SESSION]
    engine.dispose()


@pytest.fixture
def bare_env(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path)}
    assert gslts("db", "upgrade", env=env).returncode == 0
    return env


@pytest.mark.parametrize("day", ["2026-06-03", "2026-07-17"])
def test_report_for_a_closed_day_is_a_one_line_error(bare_env, day):
    out = gslts("report", "--date", day, env=bare_env)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == f"error: {day} is not a KRX trading day (market closed); next session: " + (
        "2026-06-04" if day.endswith("03") else "2026-07-20"
    )
    bad = gslts("report", "--date", "20-11-2026", env=bare_env)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: bad date '20-11-2026': use YYYY-MM-DD"


def test_sectors_list_set_remove_and_bad_input(seeded_env):
    listed = json.loads(gslts("sectors", "--json", env=seeded_env).stdout)
    assert (
        len(listed) == 14 and {"etf": "SOXX", "sector_code": "SEMI", "weight": 1.0, "enabled": True} in listed
    )
    ok = gslts("sectors", "set", "XLK", "SEMI", "--weight", "0.8", "--disable", env=seeded_env)
    assert ok.returncode == 0 and ok.stdout.strip() == "XLK → SEMI: weight 0.8, disabled"
    added = gslts("sectors", "set", "^SOX", "SEMI", env=seeded_env)
    assert added.returncode == 0 and "weight 1, enabled" in added.stdout
    for args in (
        ("set", "QQQ", "SEMI"),
        ("set", "XLK", "NOPE"),
        ("set", "XLK", "IT", "--weight", "-1"),
        ("remove", "XLE", "SEMI"),
    ):
        bad = gslts("sectors", *args, env=seeded_env)
        assert bad.returncode == 1 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
    assert gslts("sectors", "remove", "^SOX", "SEMI", env=seeded_env).returncode == 0
    after = json.loads(gslts("sectors", "--json", env=seeded_env).stdout)
    assert len(after) == 14
    assert {"etf": "XLK", "sector_code": "SEMI", "weight": 0.8, "enabled": False} in after
    text = gslts("sectors", env=seeded_env).stdout
    assert "SOXX   → SEMI" in text and "(disabled)" in text
