"""Celery app for the full mode: ``celery -A workers.celery_app worker`` / ``beat``.

Tasks are thin: they run a job from ``workers.schedule`` with the process settings and engine.
Daily jobs are crontab entries; interval jobs (broker sync) are timedelta entries that expire after
one interval, so a busy worker drops stale runs instead of queueing them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from sqlalchemy import Engine

from trading.config import Settings, get_settings
from workers import celery_metrics
from workers.schedule import JOBS, JobFailed, run_job


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Beat entries for the jobs that apply to ``settings`` (broker sync only with KIS/Kiwoom)."""
    entries: dict[str, dict[str, Any]] = {}
    for j in JOBS:
        if not j.applies(settings):
            continue
        entry: dict[str, Any] = {"task": "gslts.run_job", "args": [j.name]}
        if j.is_interval:
            every = j.interval(settings)
            entry |= {"schedule": timedelta(seconds=every), "options": {"expires": float(every)}}
        else:
            entry["schedule"] = crontab(hour=j.hour, minute=j.minute)
        entries[j.name] = entry
    return entries


def make_celery(settings: Settings) -> Celery:
    celery_metrics.connect()  # task counts, durations, worker/beat heartbeats (trading/metrics.py)
    app = Celery(
        "gslts", broker=settings.redis_url or "memory://", backend=settings.redis_url or "cache+memory://"
    )
    app.conf.update(
        timezone="Asia/Seoul",
        enable_utc=False,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        broker_connection_retry_on_startup=True,
        result_expires=86400,
        # Redis redelivers a task nobody acknowledged after this (its worker died); see trading/config.py.
        broker_transport_options={"visibility_timeout": settings.celery_visibility_timeout_s},
        beat_schedule=beat_schedule(settings),
    )

    # shared=False: each app (tests build several) runs its own settings; throws: no traceback logged
    def job_engine() -> Engine:
        from db import cache as read_cache
        from db.engine import get_engine

        eng = get_engine(settings.database_url)
        read_cache.attach(eng, settings)  # so a report the job stores invalidates what web workers cached
        return eng

    @app.task(name="gslts.run_job", throws=(JobFailed,), shared=False)
    def _run_job(name: str) -> str:
        return run_job(name, job_engine(), settings)

    # One stored run; progress and results in backtest_runs. Acknowledged late, and requeued when its
    # worker process dies, so a lost run is delivered again: the redelivery takes the run over once
    # its heartbeat is stale (or finds it ended by the backtest-reaper), never runs it twice at once.
    @app.task(
        name="gslts.backtest",
        shared=False,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=1,
    )
    def _backtest(self: Any, run_id: int) -> str:
        from workers.backtest_jobs import BUSY, run_backtest_job

        status = run_backtest_job(job_engine(), settings, run_id)
        if status.startswith(BUSY):  # alive elsewhere, or its worker just died: look again once stale
            raise self.retry(countdown=settings.backtest_stale_s + 5)
        return status

    return app


app = make_celery(get_settings())
