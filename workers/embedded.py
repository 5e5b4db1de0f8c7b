"""In-process scheduler for the embedded mode: the same ``JOBS`` as Celery beat, in one thread.

It remembers each job's last run date in ``data/scheduler.json``, so a restart neither repeats a job
nor skips one: a job whose time passed today while the app was down runs once at start-up.
Interval jobs (``Job.every_s``, e.g. the 5-second broker sync) run on a second thread, so a long daily
job never delays them; their last run is kept in memory only (the first run is at start-up).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from trading.config import Settings
from trading.domain import KST
from trading.krx import is_krx_session
from workers.schedule import JOBS, Job, JobFailed

log = logging.getLogger(__name__)


class EmbeddedScheduler:
    def __init__(
        self, engine: Engine, settings: Settings, jobs: tuple[Job, ...] = JOBS, poll_s: float = 20.0
    ):
        self.engine = engine
        self.settings = settings
        self.jobs = jobs
        self.poll_s = poll_s
        self.state_path: Path = settings.data_dir / "scheduler.json"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._interval_thread: threading.Thread | None = None
        self._interval_last: dict[str, float] = {}  # job name -> time.monotonic() of its last start

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _save(self, state: dict[str, str]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.state_path)

    def due(self, now: datetime) -> list[Job]:
        """Jobs whose time has come today and that have not run today."""
        state = self._load()
        today = now.date()
        out = []
        for j in self.jobs:
            if j.is_interval or not j.applies(self.settings):
                continue
            if (now.hour, now.minute) < (j.hour, j.minute) or state.get(j.name) == today.isoformat():
                continue
            if j.krx_days_only and not is_krx_session(today):
                continue
            out.append(j)
        return out

    def run_due(self, now: datetime | None = None) -> dict[str, str]:
        now = now or datetime.now(KST)
        results: dict[str, str] = {}
        for j in self.due(now):
            results[j.name] = self._run(j)
            state = self._load()
            state[j.name] = now.date().isoformat()
            self._save(state)
        return results

    def _run(self, j: Job) -> str:
        try:
            return j.load()(self.engine, self.settings)
        except JobFailed as err:  # the job logged it already (once per distinct error)
            log.debug("job %s failed: %s", j.name, err)
            return f"failed: {err}"
        except Exception as err:  # noqa: BLE001 - one failing job must not stop the others
            log.exception("job %s failed", j.name)
            return f"failed: {err}"

    def interval_jobs(self) -> list[Job]:
        """The interval jobs that apply to these settings (e.g. broker sync only for KIS/Kiwoom)."""
        return [j for j in self.jobs if j.is_interval and j.applies(self.settings)]

    def run_interval(self, now: float | None = None) -> dict[str, str]:
        """Run every interval job whose interval has passed since its last start (``now`` = monotonic)."""
        now = time.monotonic() if now is None else now
        results: dict[str, str] = {}
        for j in self.interval_jobs():
            last = self._interval_last.get(j.name)
            if last is not None and now - last < j.interval(self.settings):
                continue
            self._interval_last[j.name] = now
            results[j.name] = self._run(j)
        return results

    def _interval_wait(self) -> float:
        """Seconds until the next interval job is due (at most ``poll_s``)."""
        now = time.monotonic()
        waits = [
            self._interval_last.get(j.name, now) + j.interval(self.settings) - now
            for j in self.interval_jobs()
        ]
        return max(0.05, min([self.poll_s, *waits]))

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.run_due()
                self._stop.wait(self.poll_s)

        def interval_loop() -> None:
            while not self._stop.is_set():
                self.run_interval()
                self._stop.wait(self._interval_wait())

        self._thread = threading.Thread(target=loop, name="embedded-scheduler", daemon=True)
        self._thread.start()
        if self.interval_jobs():
            self._interval_thread = threading.Thread(
                target=interval_loop, name="embedded-scheduler-interval", daemon=True
            )
            self._interval_thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in (self._thread, self._interval_thread):
            if thread:
                thread.join(timeout=5)


def last_runs(settings: Settings) -> dict[str, date]:
    try:
        data = json.loads((settings.data_dir / "scheduler.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {k: date.fromisoformat(v) for k, v in data.items()}
