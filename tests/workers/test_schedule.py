"""The job schedule: Celery beat entries and the embedded scheduler's run-once-a-day rule."""

from __future__ import annotations

from datetime import datetime

from trading.config import load_settings
from trading.domain import KST
from workers.embedded import EmbeddedScheduler, last_runs
from workers.schedule import JOBS, Job, job


def test_every_job_target_imports():
    for j in JOBS:
        assert callable(j.load()), j.name
    assert job("morning-report").hour == 8 and job("refresh-us-data").hour == 7


def test_celery_beat_uses_the_same_schedule():
    from workers.celery_app import make_celery

    settings = load_settings(broker="paper", redis_url="redis://127.0.0.1:6379/15")
    app = make_celery(settings)
    assert set(app.conf.beat_schedule) == {j.name for j in JOBS if j.applies(settings)}
    assert set(app.conf.beat_schedule) == {j.name for j in JOBS} - {
        "broker-sync",
        "eod-bars",
    }  # KIS/Kiwoom only
    assert app.conf.timezone == "Asia/Seoul"


def test_embedded_scheduler_runs_each_job_once_per_day(sqlite_engine, tmp_path):
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path)
    jobs = (
        Job("partitions", "db.partitions:partition_job", 6, 0),
        Job("morning", "db.partitions:partition_job", 8, 0, True),
    )
    sched = EmbeddedScheduler(sqlite_engine, settings, jobs=jobs)
    early = datetime(2026, 11, 23, 5, 59, tzinfo=KST)
    assert sched.run_due(early) == {}
    mid = datetime(2026, 11, 23, 7, 0, tzinfo=KST)
    assert list(sched.run_due(mid)) == ["partitions"]
    assert sched.run_due(mid) == {}  # not twice the same day, even after a restart
    assert list(
        EmbeddedScheduler(sqlite_engine, settings, jobs=jobs).run_due(
            datetime(2026, 11, 23, 9, 0, tzinfo=KST)
        )
    ) == ["morning"]
    assert last_runs(settings)["morning"].isoformat() == "2026-11-23"
    # A weekend skips the KRX-days-only job.
    assert list(sched.run_due(datetime(2026, 11, 28, 9, 0, tzinfo=KST))) == ["partitions"]


def test_eod_bars_jobs_per_broker():
    from trading.config import load_settings

    paper = load_settings(broker="paper")
    kis = paper.model_copy(update={"broker": "kis"})  # no keys needed to ask which jobs apply
    assert job("eod-bars-paper").applies(paper) and not job("eod-bars-paper").applies(kis)
    assert job("eod-bars").applies(kis) and not job("eod-bars").applies(paper)
    assert job("eod-bars").krx_days_only and (job("eod-bars").hour, job("eod-bars").minute) == (16, 10)
    assert job("eod-bars-paper").is_interval and job("eod-bars-paper").interval(paper) == 300
