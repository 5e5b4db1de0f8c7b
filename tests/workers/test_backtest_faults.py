"""Backtest jobs never stick (issue 13, item 5), on MariaDB: a worker killed mid-run leaves a run that
the reaper fails with the reason, that cancel and delete handle, and that a redelivered task takes
over (or fails cleanly once its attempts are used) — while a live run is never taken from its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest
from support.backtest import SLOW_STRATEGY
from support.wait import wait_for

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories import backtests as runs
from db.repositories.bars import store_history
from db.seed import seed
from trading.backtest.spec import parse_spec
from trading.config import load_settings
from trading.market.history import generate_history
from trading.market.stocks import load_listing
from workers.backtest_jobs import BUSY, end_stale_runs, run_backtest_job
from workers.backtest_runner import BacktestRunner
from workers.schedule import job

CONFIG = {"universe": {"kind": "codes", "codes": ["005930"]}, "start": "2026-01-02", "end": "2026-11-20"}

WORKER = """
import sys
from db.engine import make_engine
from trading.config import load_settings
from workers.backtest_jobs import run_backtest_job

url, run_id = sys.argv[1], int(sys.argv[2])
settings = load_settings(database_url=url, redis_url=None, backtest_heartbeat_s=0.3, backtest_stale_s=5)
print(run_backtest_job(make_engine(url), settings, run_id), flush=True)
"""


@pytest.fixture
def world(mariadb_url, tmp_path, monkeypatch):
    """(engine, settings, strategy folder): a migrated MariaDB database with a year of 005930 bars."""
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    seed(engine)
    stocks = [s for s in load_listing() if s.code == "005930"]
    store_history(engine, generate_history(stocks, end=date(2026, 11, 20), years=1, minute_days=1, seed=3))
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "slow.py").write_text(SLOW_STRATEGY)
    monkeypatch.setenv("GSLTS_STRATEGIES_DIR", str(folder))
    settings = load_settings(
        database_url=mariadb_url, data_dir=tmp_path / "data", redis_url=None, backtest_stale_s=5
    )
    yield engine, settings, folder
    engine.dispose()


def _queue(engine) -> int:
    spec = parse_spec("slow_sma", {"n": 20}, CONFIG)
    return runs.create_run(engine, "slow_sma", spec.params_json(), spec.config_json(), user="test")


def _kill_mid_run(engine, settings, folder) -> int:
    """A run whose worker process was killed with SIGKILL while computing."""
    (folder / "hold").write_text("")
    run_id = _queue(engine)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), settings.database_url, str(run_id)],
        env={**os.environ, "GSLTS_STRATEGIES_DIR": str(folder)},
    )
    try:
        claimed = lambda: (r := runs.get_run(engine, run_id)) and r.status == "running" and r.heartbeat_at  # noqa: E731
        assert wait_for(claimed, timeout=60, every=0.1), "the worker did not claim the run"
        time.sleep(0.8)  # a few heartbeats
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    (folder / "hold").unlink()
    return run_id


def test_the_reaper_fails_a_run_whose_worker_died(world):
    engine, settings, folder = world
    run_id = _kill_mid_run(engine, settings, folder)
    assert end_stale_runs(engine, settings) == "ended 0 stale backtest run(s)"  # not stale yet
    assert runs.get_run(engine, run_id).status == "running"
    t0 = time.monotonic()
    reaper = job("backtest-reaper").load()
    assert wait_for(
        lambda: reaper(engine, settings) != "ended 0 stale backtest run(s)", timeout=30, every=0.5
    )
    run = runs.get_run(engine, run_id)
    assert run.status == "failed" and run.error.startswith("worker lost: no heartbeat since")
    assert time.monotonic() - t0 < settings.backtest_stale_s + 2


def test_cancel_and_delete_work_on_a_dead_run(world):
    engine, settings, folder = world
    jobs = BacktestRunner(engine, settings)
    dead = _kill_mid_run(engine, settings, folder)
    assert jobs.delete([dead]) == 0  # still within its heartbeat grace: it might be alive
    time.sleep(settings.backtest_stale_s + 0.5)
    assert jobs.cancel(dead) and runs.get_run(engine, dead).status == "cancelled"
    other = _kill_mid_run(engine, settings, folder)
    time.sleep(settings.backtest_stale_s + 0.5)
    assert jobs.delete([other]) == 1 and runs.get_run(engine, other) is None


def test_a_redelivered_task_takes_the_dead_run_over(world):
    engine, settings, folder = world
    run_id = _kill_mid_run(engine, settings, folder)
    busy = run_backtest_job(engine, settings, run_id)  # redelivered at once: the heartbeat is fresh
    assert busy.startswith(BUSY)
    time.sleep(settings.backtest_stale_s + 0.5)
    status = run_backtest_job(engine, settings, run_id)
    run = runs.get_run(engine, run_id)
    assert status.startswith(f"ok: run {run_id} done"), status
    assert run.status == "done" and run.attempts == 2 and run.stats["trades"] >= 0


def test_a_run_out_of_attempts_fails_cleanly(world):
    engine, settings, folder = world
    run_id = _kill_mid_run(engine, settings, folder)
    time.sleep(settings.backtest_stale_s + 0.5)
    (folder / "hold").write_text("")  # the second start hangs too, and is killed as well
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), settings.database_url, str(run_id)],
        env={**os.environ, "GSLTS_STRATEGIES_DIR": str(folder)},
    )
    try:
        assert wait_for(lambda: runs.get_run(engine, run_id).attempts == 2, timeout=60, every=0.1)
        time.sleep(0.8)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    (folder / "hold").unlink()
    time.sleep(settings.backtest_stale_s + 0.5)
    assert run_backtest_job(engine, settings, run_id) == f"skipped: run {run_id} is failed"
    run = runs.get_run(engine, run_id)
    assert run.status == "failed" and "gave up after 2 starts" in run.error


def test_a_live_run_is_never_taken_from_its_worker(world):
    engine, settings, folder = world
    (folder / "hold").write_text("")
    run_id = _queue(engine)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), settings.database_url, str(run_id)],
        env={**os.environ, "GSLTS_STRATEGIES_DIR": str(folder)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: runs.get_run(engine, run_id).status == "running", timeout=60, every=0.1)
        time.sleep(settings.backtest_stale_s + 1)  # longer than the stale limit: the heartbeat keeps it alive
        assert end_stale_runs(engine, settings) == "ended 0 stale backtest run(s)"
        assert run_backtest_job(engine, settings, run_id).startswith(BUSY)
        (folder / "hold").unlink()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.startswith(f"ok: run {run_id} done") and runs.get_run(engine, run_id).attempts == 1
