"""`gslts kill`, `gslts risk-state` and `gslts resume` as a user runs them: real subprocesses on the paper
market (each CLI owns it for its lifetime), the state kept in the database between them."""

from __future__ import annotations

import json

from support.cli import cli_env, gslts
from support.owner import prepare_database


def test_kill_cancels_and_halts_until_resume(sqlite_url, tmp_path):
    prepare_database(sqlite_url)
    env = cli_env(tmp_path, sqlite_url)
    quote = json.loads(gslts(env, "quote", "005930", "--json").stdout)
    placed = gslts(env, "order", "buy", "005930", "1", "--price", str(quote["lower_limit"]), "--json")
    assert placed.returncode == 0, placed.stderr
    order_id = json.loads(placed.stdout)["order_id"]

    killed = gslts(env, "kill", "--reason", "test", "--json")
    assert killed.returncode == 0, killed.stderr
    report = json.loads(killed.stdout)
    assert report["state"] == "halted" and report["cancelled"] == [order_id] and report["failed"] == []

    refused = gslts(env, "order", "buy", "005930", "1", "--price", str(quote["lower_limit"]))
    assert refused.returncode == 1 and "HALTED" in refused.stderr and len(refused.stderr.splitlines()) == 1
    state = json.loads(gslts(env, "risk-state", "--json").stdout)
    assert state["state"] == "halted" and state["reason"] == "test" and state["by"] == "trader"

    assert json.loads(gslts(env, "resume", "--json").stdout)["state"] == "active"
    again = gslts(env, "order", "buy", "005930", "1", "--price", str(quote["lower_limit"]), "--json")
    assert again.returncode == 0, again.stderr
    bad = gslts(env, "risk-state", "paused")
    assert bad.returncode == 2 and "paused" in bad.stderr
