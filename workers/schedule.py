"""The one schedule of background jobs, run by Celery beat (full mode) or in-process (embedded).

Times are KST. A job marked ``krx_days_only`` runs only on XKRX sessions (the job itself also checks).
Each job is a plain function ``f(engine, settings) -> str`` returning a short status line; an expected
failure (the broker is down, ...) is ``JobFailed``, logged by the job and reported without a traceback.

Daily jobs run at ``hour:minute``. Interval jobs (``every_s``, or the setting named by
``every_setting``) run every so many seconds: Celery beat gets a timedelta entry, the embedded
scheduler a thread of its own. ``brokers`` limits a job to those ``BROKER`` values (empty = any).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from trading.config import Settings


class JobFailed(RuntimeError):
    """A job's expected failure: the job has logged it; schedulers report it without a traceback."""


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    target: str  # "module:function"
    hour: int = 0
    minute: int = 0
    krx_days_only: bool = False
    every_s: int = 0  # > 0: an interval job (default interval)
    every_setting: str = ""  # settings field that overrides ``every_s`` (0 there = off)
    brokers: tuple[str, ...] = ()  # run only with these brokers; empty = any

    def load(self) -> Callable[[Engine, Settings], str]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)

    @property
    def is_interval(self) -> bool:
        return bool(self.every_s or self.every_setting)

    def interval(self, settings: Settings) -> int:
        """Seconds between runs of an interval job (0 = off, and always 0 for a daily job)."""
        if self.every_setting:
            return int(getattr(settings, self.every_setting, self.every_s) or 0)
        return self.every_s

    def applies(self, settings: Settings) -> bool:
        """True when the schedulers should run this job with ``settings``."""
        if self.brokers and settings.broker not in self.brokers:
            return False
        return not self.is_interval or self.interval(settings) > 0


JOBS: tuple[Job, ...] = (
    Job("partitions", "db.partitions:partition_job", 6, 0),
    Job("refresh-us-data", "workers.report_jobs:refresh_us_data", 7, 0, krx_days_only=True),
    Job("morning-report", "workers.report_jobs:make_morning_report", 8, 0, krx_days_only=True),
    Job("eod-bars", "workers.history_jobs:eod_bars", 16, 10, krx_days_only=True, brokers=("kis", "kiwoom")),
    Job("eod-bars-paper", "workers.history_jobs:eod_bars", every_s=300, brokers=("paper",)),
    Job("track-record", "workers.report_jobs:recompute_track_record", 19, 0),
    Job("bot-compare", "workers.bot_jobs:compare_bots", 18, 30),
    Job(
        "backtest-reaper",
        "workers.backtest_jobs:end_stale_runs",
        every_s=30,
        every_setting="backtest_reaper_s",
    ),
    Job(
        "broker-sync",
        "workers.broker_sync:sync_broker",
        every_s=5,
        every_setting="broker_sync_seconds",
        brokers=("kis", "kiwoom"),
    ),
    Job("alerts-health", "workers.alert_jobs:health_alerts", every_s=15, every_setting="alert_health_s"),
    Job("alerts-purge", "workers.alert_jobs:purge_alerts", 3, 30),
)


def job(name: str) -> Job:
    for j in JOBS:
        if j.name == name:
            return j
    raise KeyError(f"unknown job {name!r}; known: {', '.join(j.name for j in JOBS)}")


def run_job(name: str, engine: Engine, settings: Settings) -> str:
    """Run one job now (used by the Celery task, the embedded scheduler and the CLI)."""
    return job(name).load()(engine, settings)
