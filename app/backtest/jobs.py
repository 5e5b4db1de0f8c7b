"""The page's way to the backtest worker: the ``BacktestJobs`` the app was given at start-up."""

from __future__ import annotations

from app.runtime import runtime
from services.backtest_jobs import BacktestJobs


def backtest_jobs() -> BacktestJobs:
    """The process's backtest job service (``app.server.create_app`` attaches it to the runtime)."""
    jobs = runtime().backtest_jobs
    if jobs is None:
        raise RuntimeError("no backtest job service: app.server.create_app attaches one")
    return jobs
