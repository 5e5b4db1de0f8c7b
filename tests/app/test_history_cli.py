"""``gslts history import`` and ``gslts us-data refresh`` as a user runs them (a subprocess on a real,
migrated database: SQLite and MariaDB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from support.history import write_csv

from db.engine import make_engine
from db.repositories import history as repo

RUN = "from app.cli import main; main()"


def gslts(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env["_CWD"],
    )


@pytest.fixture(params=["sqlite", "mariadb"])
def env(request, tmp_path):
    url = request.getfixturevalue(f"{request.param}_url")
    env = {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path), "REDIS_URL": ""}
    up = gslts("db", "upgrade", env=env)
    assert up.returncode == 0, up.stderr
    return env


def test_history_import_twice_same_rows_bad_file_reported_with_its_line(env, tmp_path):
    d = tmp_path / "bars"
    d.mkdir()
    write_csv(d / "2026-11.csv", ["005930,2026-11-26,55000,56000,54800,55700,100,5570000",
                                  "000660,2026-11-26,120000,121000,119000,120500,10,1205000"])  # fmt: skip
    first = gslts("history", "import", str(d), "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["rows"] == 2
    engine = make_engine(env["DATABASE_URL"])
    try:
        day = date(2026, 11, 26)
        rows = repo.daily_rows(engine, day, day)
        write_csv(d / "bad.csv", ["035420,2026-11-26,200000,201000,199000,200500,5,1002500",
                                  "035420,2026-11-27,200500,201000,198000,198500,-5,992500"])  # fmt: skip
        out = gslts("history", "import", str(d), env=env)  # the good file again, and a bad one
        assert out.returncode == 1 and "ok   2026-11.csv: 2 rows" in out.stdout
        assert (
            "bad.csv:3: volume -5 is below 0" in out.stdout and "FAIL bad.csv: nothing stored" in out.stdout
        )
        assert "1 file(s) not imported" in out.stderr
        assert repo.daily_bar_count(engine) == 2  # nothing of bad.csv
        assert repo.daily_rows(engine, day, day) == rows  # the same rows after the second import
    finally:
        engine.dispose()


def test_backfill_refuses_the_paper_broker(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path)}
    out = gslts("history", "backfill", "--from", "2026-01-02", env=env)
    assert out.returncode == 1 and "KIS or Kiwoom" in out.stderr


def test_us_data_refresh_with_yahoo_unreachable_stores_nothing_and_says_so(
    sqlite_engine, sqlite_url, tmp_path
):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path),
           "US_DATA_FALLBACK": "none", "HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}  # fmt: skip
    out = gslts("us-data", "refresh", env=env)  # the sqlite_engine fixture made the tables
    assert out.returncode == 1, out.stdout
    assert "Yahoo Finance could not be reached" in out.stderr and "no US data stored" in out.stderr
    from db.repositories.reports import last_us_days

    assert last_us_days(sqlite_engine) == {}  # nothing stored, nothing simulated
