"""Celery's metrics from its signals: tasks sent, finished by state with their run time (a real worker on
Redis), and the worker's heartbeat that tells Prometheus a worker is alive."""

from __future__ import annotations

import os
import time

from support.metrics import metric_sum as _sample
from support.wait import wait_for

from trading.config import load_settings
from workers.celery_metrics import start_heartbeat, task_label


def test_task_label_names_the_job_of_run_job():
    assert task_label("gslts.run_job", ["us-data"]) == "us-data"
    assert task_label("gslts.backtest", [12]) == "gslts.backtest"
    assert task_label(None, None) == "unknown"


def test_a_real_worker_counts_tasks_durations_and_beats(tmp_path, redis_url):
    from celery.contrib.testing.worker import start_worker

    from workers.celery_app import make_celery

    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path, redis_url=redis_url
    )
    app = make_celery(settings)
    app.conf.task_default_queue = f"gslts-metrics-{os.getpid()}-{time.time_ns()}"

    @app.task(name="gslts.test_metrics_ok", shared=False)
    def ok() -> str:
        time.sleep(0.05)
        return "ok"

    @app.task(name="gslts.test_metrics_boom", shared=False)
    def boom() -> None:
        raise RuntimeError("boom")

    sent = _sample("gslts_celery_tasks_sent_total", task="gslts.test_metrics_ok")
    done = _sample("gslts_celery_tasks_total", task="gslts.test_metrics_ok", state="success")
    failed = _sample("gslts_celery_tasks_total", task="gslts.test_metrics_boom", state="failure")
    timed = _sample("gslts_celery_task_seconds_sum", task="gslts.test_metrics_ok")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        assert ok.delay().get(timeout=30) == "ok"
        boom.delay()
        assert wait_for(
            lambda: (
                _sample("gslts_celery_tasks_total", task="gslts.test_metrics_boom", state="failure") > failed
            ),
            timeout=30,
        )
    assert _sample("gslts_celery_tasks_sent_total", task="gslts.test_metrics_ok") == sent + 1
    assert _sample("gslts_celery_tasks_total", task="gslts.test_metrics_ok", state="success") == done + 1
    assert _sample("gslts_celery_task_seconds_sum", task="gslts.test_metrics_ok") - timed >= 0.05
    # worker_ready started the heartbeat thread
    assert time.time() - _sample("gslts_celery_heartbeat_timestamp_seconds", role="worker") < 60


def test_heartbeat_thread_keeps_the_timestamp_fresh():
    start_heartbeat("test-role", every_s=0.05)
    first = _sample("gslts_celery_heartbeat_timestamp_seconds", role="test-role")
    assert first > 0
    assert wait_for(
        lambda: _sample("gslts_celery_heartbeat_timestamp_seconds", role="test-role") > first, timeout=5
    )
