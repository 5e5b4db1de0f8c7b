"""Start stored backtest runs: a Celery task in full mode, a background thread in embedded mode.

Either way the job only talks to the run's row, so the page polls the row and a reload (or
another web worker) sees the same progress. ``recover_interrupted`` fails runs left active by an
embedded app that stopped mid-run (only that process runs them, so at start none can be alive);
``app.server.create_app`` calls it once, before the app serves a page.

``BacktestRunner`` is the ``services.backtest_jobs.BacktestJobs`` the web app gets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from celery import Celery
from sqlalchemy import Engine

from db.repositories import backtests as runs
from db.repositories.backtests import RunRow
from services.backtest_jobs import JobNotStarted
from trading.backtest.spec import BacktestSpec
from trading.config import Settings
from workers.backtest_jobs import check_request, run_backtest_job, stale_before

log = logging.getLogger(__name__)

TASK_NAME = "gslts.backtest"
MAX_LOCAL_RUNS = 1  # the web process keeps serving pages while a run computes
INTERRUPTED = "interrupted: the app stopped before the run finished"

_lock = threading.Lock()
_slots = threading.BoundedSemaphore(MAX_LOCAL_RUNS)
_recovered: set[str] = set()


def _local(engine: Engine, settings: Settings, run_id: int) -> Future[str]:
    """One short-lived daemon thread per run, at most MAX_LOCAL_RUNS computing at a time (a thread
    per run rather than a pool: nothing idle lingers, and a lost thread cannot stall later runs)."""
    future: Future[str] = Future()

    def work() -> None:
        with _slots:
            future.set_result(_run_safely(engine, settings, run_id))

    threading.Thread(target=work, name=f"backtest-{run_id}", daemon=True).start()
    return future


def _run_safely(engine: Engine, settings: Settings, run_id: int) -> str:
    try:
        status = run_backtest_job(engine, settings, run_id)
    except Exception as err:  # noqa: BLE001 - e.g. the database went away; the thread must survive
        log.exception("backtest run %s crashed", run_id)
        try:
            runs.fail_run(engine, run_id, f"{type(err).__name__}: {err}")
        except Exception:  # noqa: BLE001
            log.exception("could not mark backtest run %s failed", run_id)
        return f"failed: {err}"
    log.info("backtest run %s: %s", run_id, status)
    return status


@lru_cache(maxsize=4)
def celery_client(redis_url: str) -> Celery:
    """A Celery app that only sends tasks (the worker registers them in workers/celery_app.py)."""
    return Celery("gslts", broker=redis_url, backend=redis_url)


def start_run(engine: Engine, settings: Settings, run_id: int) -> Future[str] | str:
    """Hand run ``run_id`` to the worker: the Celery task id in full mode, a Future in embedded mode."""
    if settings.redis_url:
        return celery_client(settings.redis_url).send_task(TASK_NAME, args=[run_id]).id
    with _lock:
        _recovered.add(str(engine.url))  # from now on active runs of this database are ours
    return _local(engine, settings, run_id)


def recover_interrupted(engine: Engine, settings: Settings) -> int:
    """Embedded mode: fail runs a stopped app left active. Done once per database per process, and
    never after this process started a run there (those are alive)."""
    if settings.redis_url:
        return 0
    key = str(engine.url)
    with _lock:
        if key in _recovered:
            return 0
        _recovered.add(key)
    return runs.interrupt_active(engine, INTERRUPTED)


@dataclass(frozen=True)
class BacktestRunner:
    """``BacktestJobs`` on this deployment's worker: runs are rows of ``backtest_runs``, started with
    ``start_run`` (Celery in full mode, a thread of this process in embedded mode)."""

    engine: Engine
    settings: Settings

    def check(self, strategy: str, params: dict[str, Any], config: dict[str, Any]) -> BacktestSpec:
        spec, _inputs = check_request(self.engine, strategy, params, config)
        return spec

    def submit(self, spec: BacktestSpec, *, name: str, user: str | None) -> int:
        run_id = runs.create_run(
            self.engine, spec.strategy, spec.params_json(), spec.config_json(), user=user, name=name
        )
        try:
            start_run(self.engine, self.settings, run_id)
        except Exception as err:  # e.g. Redis unreachable in full mode: keep no live run
            runs.fail_run(self.engine, run_id, f"could not start the run: {err}")
            raise JobNotStarted(str(err)) from err
        return run_id

    def progress(self, run_id: int) -> RunRow | None:
        return runs.get_run(self.engine, run_id, with_result=False)

    def cancel(self, run_id: int) -> bool:
        """Ask the run to stop; a run whose worker died is cancelled at once."""
        return runs.request_cancel(self.engine, run_id, stale_before(self.settings)) is not None

    def delete(self, run_ids: Iterable[int]) -> int:
        """Delete finished runs and runs whose worker died."""
        return runs.delete_runs(self.engine, run_ids, stale_before(self.settings))

    def recover_interrupted(self) -> int:
        """Fail the runs a stopped embedded app left active (see ``recover_interrupted``)."""
        return recover_interrupted(self.engine, self.settings)
