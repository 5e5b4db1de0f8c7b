"""``gslts ticks`` and ``gslts db partitions`` as a user runs them (subprocess, real database)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import datetime, timedelta

from support.cli import run_cli

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories.ticks import insert_ticks
from trading.domain import KST, Tick

RUN = (
    "import click, sys; from app.cli.record_cmds import ticks, partitions; "
    "g = click.Group(commands=[ticks, partitions]); g(sys.argv[1:])"
)


def cli(url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data")}
    return run_cli(*args, env=env, cwd=tmp_path, program=RUN)


def _seed(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    t0 = datetime(2026, 11, 23, 9, 0, 0, 250000, tzinfo=KST)
    insert_ticks(
        engine,
        [
            Tick("005930", t0 + timedelta(seconds=i), i + 1, 70000 + i, 5, 5 * (i + 1), 0, 101.5)
            for i in range(10)
        ],
    )
    engine.dispose()


def test_ticks_export_csv_and_json_sqlite(sqlite_url, tmp_path):
    _seed(sqlite_url)
    args = ("ticks", "005930", "--from", "2026-11-23T09:00:02", "--to", "2026-11-23T09:00:05")
    out = cli(sqlite_url, tmp_path, *args, "--csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["seq"] for r in rows] == ["3", "4", "5"] and rows[0]["time"] == "2026-11-23 09:00:02.250"
    data = json.loads(cli(sqlite_url, tmp_path, *args, "--json").stdout)
    assert [d["price"] for d in data] == [70002, 70003, 70004]
    bad = cli(sqlite_url, tmp_path, "ticks", "bad!", "--from", "2026-11-23", "--to", "2026-11-24")
    assert bad.returncode != 0


def test_partitions_command(mariadb_url, sqlite_url, tmp_path):
    _seed(mariadb_url)
    out = cli(mariadb_url, tmp_path, "partitions", "--maintain", "--json", "--exact")
    assert out.returncode == 0, out.stderr
    parts = json.loads(out.stdout)["partitions"]
    assert parts[-1] == {"name": "p_future", "bound": "MAXVALUE", "rows": parts[-1]["rows"]}
    assert len(parts) >= 8 and sum(p["rows"] for p in parts) == 10
    text = cli(mariadb_url, tmp_path, "partitions").stdout
    assert "p_future" in text and "MAXVALUE" in text
    upgrade(sqlite_url)
    lite = cli(sqlite_url, tmp_path, "partitions")
    assert lite.returncode == 0 and "not partitioned" in lite.stdout
