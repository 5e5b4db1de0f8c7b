"""In-process scheduler for the embedded mode: the same ``JOBS`` as Celery beat, in one thread.

It remembers each job's last run date in ``data/scheduler.json``, so a restart neither repeats a job
nor skips one: a job whose time passed today while the app was down runs once at start-up.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from trading.config import Settings
from trading.domain import KST
from trading.krx import is_krx_session
from workers.schedule import JOBS, Job

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
            try:
                results[j.name] = j.load()(self.engine, self.settings)
            except Exception as err:  # noqa: BLE001 - one failing job must not stop the others
                log.exception("job %s failed", j.name)
                results[j.name] = f"failed: {err}"
            state = self._load()
            state[j.name] = now.date().isoformat()
            self._save(state)
        return results

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.run_due()
                self._stop.wait(self.poll_s)

        self._thread = threading.Thread(target=loop, name="embedded-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def last_runs(settings: Settings) -> dict[str, date]:
    try:
        data = json.loads((settings.data_dir / "scheduler.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {k: date.fromisoformat(v) for k, v in data.items()}
