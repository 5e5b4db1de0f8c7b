"""Celery app for the full mode: ``celery -A workers.celery_app worker`` / ``beat``.

Tasks are thin: they run a job from ``workers.schedule`` with the process settings and engine.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from trading.config import Settings, get_settings
from workers.schedule import JOBS, run_job


def make_celery(settings: Settings) -> Celery:
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
        beat_schedule={
            j.name: {
                "task": "gslts.run_job",
                "schedule": crontab(hour=j.hour, minute=j.minute),
                "args": [j.name],
            }
            for j in JOBS
        },
    )

    @app.task(name="gslts.run_job")
    def _run_job(name: str) -> str:
        from db.engine import get_engine

        return run_job(name, get_engine(settings.database_url), settings)

    return app


app = make_celery(get_settings())
