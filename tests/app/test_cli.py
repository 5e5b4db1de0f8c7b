"""The ``gslts`` CLI as a user runs it: a real subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from db.migrate import head_revision


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
    assert json.loads(up.stdout)["revision"] == head_revision(cli_env["DATABASE_URL"])  # the newest migration
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


def test_user_roles_disable_remove_and_risk_limits(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "d"), "_CWD": str(tmp_path)}
    assert gslts("db", "upgrade", env=env).returncode == 0
    for name, role in (("boss", "admin"), ("kim", "trader"), ("look", "viewer")):
        out = gslts("user", "add", name, "--password", "long-password-1", "--role", role, env=env)
        assert out.returncode == 0, out.stderr
    users = {u["username"]: u for u in json.loads(gslts("user", "list", "--json", env=env).stdout)}
    assert users["look"]["role"] == "viewer" and users["boss"]["role"] == "admin"
    assert gslts("user", "role", "look", "trader", env=env).returncode == 0
    last_admin = gslts("user", "disable", "boss", env=env)
    assert last_admin.returncode == 1 and "last admin" in last_admin.stderr
    assert gslts("user", "disable", "kim", env=env).returncode == 0

    from db.engine import make_engine
    from db.repositories.accounts import ensure_broker_account, ensure_paper_account
    from db.repositories.users import get_user, verify

    engine = make_engine(sqlite_url)
    assert verify(engine, "kim", "long-password-1") is None  # disabled: no login
    kim = get_user(engine, "kim")
    ensure_paper_account(engine, kim.id, 1_000_000)
    ensure_broker_account(engine, "kis-mock-12345678-01", "kis", "mock")  # admins are bound at creation
    engine.dispose()
    assert gslts("user", "enable", "kim", env=env).returncode == 0
    assert gslts("account", "bind", "kis-mock-12345678-01", "kim", env=env).returncode == 0
    accounts = {a["name"]: a for a in json.loads(gslts("account", "list", "--json", env=env).stdout)}
    assert accounts["kis-mock-12345678-01"]["users"] == ["boss", "kim"]
    assert accounts[f"paper-u{kim.id}"]["users"] == ["kim"]
    bad = gslts("account", "bind", f"paper-u{kim.id}", "look", env=env)
    assert bad.returncode == 1 and "belongs to its owner" in bad.stderr

    set_ = gslts("risk", "set", "--account", f"paper-u{kim.id}", "--max-order-qty", "50", "--json", env=env)
    assert set_.returncode == 0 and json.loads(set_.stdout)["max_order_qty"] == 50
    shown = json.loads(gslts("risk", "show", "--account", f"paper-u{kim.id}", "--json", env=env).stdout)
    assert shown[0]["max_order_qty"] == 50 and shown[0]["max_orders_per_minute"] == 60
    zero = gslts("risk", "set", "--account", f"paper-u{kim.id}", "--max-order-qty", "0", env=env)
    assert zero.returncode != 0 and "0" in zero.stderr
    assert gslts("risk", "set", "--account", "nope", "--max-order-qty", "5", env=env).returncode == 1

    assert gslts("user", "remove", "kim", "--yes", env=env).returncode == 0
    names = [u["username"] for u in json.loads(gslts("user", "list", "--json", env=env).stdout)]
    assert "kim" not in names
    accounts = {a["name"]: a for a in json.loads(gslts("account", "list", "--json", env=env).stdout)}
    assert accounts[f"paper-u{kim.id}"]["users"] == []  # the history stays, unowned
