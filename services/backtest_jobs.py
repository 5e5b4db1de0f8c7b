"""``BacktestJobs``: what the web app may do with backtest runs, without knowing who runs them.

The implementation is ``workers.backtest_runner.BacktestRunner`` (Celery in full mode, a thread in
embedded mode); ``app.server.create_app`` builds it and hands it over as
``Container.backtest_jobs``, so pages never import ``workers``. Reading stored runs for display
(the history table, a result) stays with ``db.repositories.backtests``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from db.repositories.backtests import RunRow
from trading.backtest.spec import BacktestSpec


class JobNotStarted(Exception):
    """The worker could not take the run (e.g. Redis unreachable); the run is stored as failed."""


class BacktestJobs(Protocol):
    """Start, follow, cancel and delete stored backtest runs."""

    def check(self, strategy: str, params: dict[str, Any], config: dict[str, Any]) -> BacktestSpec:
        """The request as a run would read it; ``SpecError`` (with a Korean ``.ko``) if it is bad.
        Nothing is stored."""
        ...

    def submit(self, spec: BacktestSpec, *, name: str, user: str | None) -> int:
        """Store ``spec`` as a queued run and hand it to the worker; its id. ``JobNotStarted`` if the
        worker cannot take it."""
        ...

    def progress(self, run_id: int) -> RunRow | None:
        """The run's status and progress (without its result); None if it does not exist."""
        ...

    def cancel(self, run_id: int) -> bool:
        """Ask the run to stop; False if it had already ended."""
        ...

    def delete(self, run_ids: Iterable[int]) -> int:
        """Remove the finished runs among ``run_ids`` (active ones are kept); how many went."""
        ...
