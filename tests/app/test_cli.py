"""The ``gslts`` CLI as a user runs it: a real subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def gslts(*args: str, env: dict[str, str], input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
        cwd=env.get("_CWD"),
    )


@pytest.fixture(params=["sqlite", "mariadb"])
def cli_env(request, tmp_path):
    url = request.getfixturevalue(f"{request.param}_url")
    return {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data"), "_CWD": str(tmp_path)}


def test_upgrade_seed_twice_and_json(cli_env):
    up = gslts("db", "upgrade", "--json", env=cli_env)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["revision"] == "0001"
    first = json.loads(gslts("db", "seed", "--json", env=cli_env).stdout)
    assert first["stocks"] == 2555 and first["inserted"] == 2555
    second = gslts("db", "seed", "--json", env=cli_env)
    assert second.returncode == 0 and json.loads(second.stdout)["changed"] is False


def test_user_add_and_passwd(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "d"), "_CWD": str(tmp_path)}
    assert gslts("db", "upgrade", env=env).returncode == 0
    ok = gslts("user", "add", "kim", "--password", "long-password-1", env=env)
    assert ok.returncode == 0 and "created" in ok.stdout
    dup = gslts("user", "add", "kim", "--password", "long-password-1", env=env)
    assert dup.returncode == 1 and dup.stderr.strip() == "error: user 'kim' already exists"
    short = gslts("user", "passwd", "kim", "--password", "short", env=env)
    assert short.returncode == 1 and "at least 8" in short.stderr
    assert gslts("user", "passwd", "kim", "--password", "another-pass-2", env=env).returncode == 0

    from db.engine import make_engine
    from db.repositories.users import verify

    engine = make_engine(sqlite_url)
    assert verify(engine, "kim", "another-pass-2") is not None
    engine.dispose()


def test_errors_are_one_line_and_non_zero(tmp_path):
    bad_db = gslts(
        "db",
        "upgrade",
        env={"DATABASE_URL": "mysql+pymysql://root@127.0.0.1:3306/no_such_db_x", "_CWD": str(tmp_path)},
    )
    assert bad_db.returncode == 1
    assert (
        bad_db.stderr.strip().startswith("error: database error:")
        and len(bad_db.stderr.strip().splitlines()) == 1
    )
    bad_cfg = gslts("db", "seed", env={"PORT": "abc", "BROKER": "etrade", "_CWD": str(tmp_path)})
    assert bad_cfg.returncode == 1
    line = bad_cfg.stderr.strip()
    assert line.startswith("error: invalid configuration:") and "PORT" in line and "BROKER" in line
    unknown = gslts("nonsense", env={"_CWD": str(tmp_path)})
    assert unknown.returncode == 2 and unknown.stderr.strip().startswith("error:")
