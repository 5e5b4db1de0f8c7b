"""Celery's metrics (trading/metrics.py): tasks sent, finished by state and their run time, and a heartbeat
of every worker and beat so "no worker is running" shows as a stale timestamp (an alert, deploy/prometheus).

``connect()`` hooks Celery's signals once per process; ``workers.celery_app`` calls it. A task is labelled by
its job for ``gslts.run_job`` (one task runs every scheduled job), else by its name.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from celery import signals

from trading import metrics

HEARTBEAT_S = 15.0
RUN_JOB = "gslts.run_job"
_started: dict[str, float] = {}  # task id → perf_counter at prerun (this process's tasks)
_connected = False
_beating: dict[str, threading.Thread] = {}  # role → its heartbeat thread
_lock = threading.Lock()


def task_label(name: str | None, args: Any) -> str:
    """The job's name for ``gslts.run_job``, else the task's name."""
    if name == RUN_JOB and isinstance(args, list | tuple) and args and isinstance(args[0], str):
        return args[0][:60]
    return (name or "unknown")[:60]


def _prerun(task_id: str = "", **_: Any) -> None:
    _started[task_id] = time.perf_counter()


def _postrun(
    task_id: str = "", task: Any = None, args: Any = None, state: str | None = None, **_: Any
) -> None:
    label = task_label(getattr(task, "name", None), args)
    metrics.CELERY_TASKS.labels(label, (state or "unknown").lower()).inc()
    started = _started.pop(task_id, None)
    if started is not None:
        metrics.CELERY_SECONDS.labels(label).observe(time.perf_counter() - started)


def _published(sender: str | None = None, body: Any = None, **_: Any) -> None:
    args = body[0] if isinstance(body, list | tuple) and body else None  # protocol 2: (args, kwargs, embed)
    metrics.CELERY_SENT.labels(task_label(sender, args)).inc()


def start_heartbeat(role: str, every_s: float = HEARTBEAT_S) -> threading.Thread:
    """A daemon thread that sets the ``role``'s heartbeat now and every ``every_s`` seconds (one per role
    and process: a second call returns the running one)."""

    def beat() -> None:
        while True:
            metrics.CELERY_HEARTBEAT.labels(role).set(time.time())
            time.sleep(every_s)

    with _lock:
        running = _beating.get(role)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=beat, name=f"metrics-heartbeat-{role}", daemon=True)
        thread.start()
        _beating[role] = thread
        return thread


def connect() -> None:
    """Hook the signals (idempotent: weak=False handlers, connected once)."""
    global _connected
    with _lock:
        if _connected:
            return
        _connected = True
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.before_task_publish.connect(_published, weak=False)
    signals.worker_init.connect(lambda **_: start_heartbeat("worker"), weak=False)  # also in test workers
    signals.beat_init.connect(lambda **_: start_heartbeat("beat"), weak=False)
    signals.worker_process_shutdown.connect(lambda pid=None, **_: metrics.mark_dead(pid), weak=False)
