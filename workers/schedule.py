"""The one schedule of background jobs, run by Celery beat (full mode) or in-process (embedded).

Times are KST. A job marked ``krx_days_only`` runs only on XKRX sessions (the job itself also checks).
Each job is a plain function ``f(engine, settings) -> str`` returning a short status line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from trading.config import Settings


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    target: str  # "module:function"
    hour: int
    minute: int
    krx_days_only: bool = False

    def load(self) -> Callable[[Engine, Settings], str]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


JOBS: tuple[Job, ...] = (
    Job("partitions", "db.partitions:partition_job", 6, 0),
    Job("refresh-us-data", "workers.report_jobs:refresh_us_data", 7, 0, krx_days_only=True),
    Job("morning-report", "workers.report_jobs:make_morning_report", 8, 0, krx_days_only=True),
    Job("track-record", "workers.report_jobs:recompute_track_record", 19, 0),
)


def job(name: str) -> Job:
    for j in JOBS:
        if j.name == name:
            return j
    raise KeyError(f"unknown job {name!r}; known: {', '.join(j.name for j in JOBS)}")


def run_job(name: str, engine: Engine, settings: Settings) -> str:
    """Run one job now (used by the Celery task, the embedded scheduler and the CLI)."""
    return job(name).load()(engine, settings)
