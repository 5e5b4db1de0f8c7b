"""The first-run tour's progress per user (``guide_progress``): where they are, and whether they finished
or skipped it. No row means the tour was never offered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from db.engine import session_scope
from db.models import GuideProgress
from trading.timeconv import now_naive_kst

STATUSES = ("active", "completed", "skipped")


@dataclass(frozen=True, slots=True)
class Progress:
    status: str  # active | completed | skipped
    step: int
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def get_progress(engine: Engine, user_id: int) -> Progress | None:
    """The user's tour progress, or None when the tour was never started or skipped."""
    with session_scope(engine) as s:
        row = s.get(GuideProgress, user_id)
        if row is None:
            return None
        return Progress(row.status, row.step, row.started_at, row.updated_at, row.finished_at)


def save_progress(engine: Engine, user_id: int, status: str, step: int) -> Progress:
    """Record ``status`` at ``step``; ``active`` at step 0 from a finished tour starts it again."""
    if status not in STATUSES:
        raise ValueError(f"unknown guide status {status!r} (expected one of {', '.join(STATUSES)})")
    if step < 0:
        raise ValueError(f"guide step must be 0 or more, got {step}")
    now = now_naive_kst().replace(microsecond=0)  # what a DATETIME column keeps on MariaDB
    with session_scope(engine) as s:
        row = s.get(GuideProgress, user_id)
        if row is None:
            row = GuideProgress(user_id=user_id, status=status, step=step, started_at=now, updated_at=now)
            s.add(row)
        elif status == "active" and row.status != "active":
            row.started_at = now
        row.status, row.step, row.updated_at = status, step, now
        row.finished_at = None if status == "active" else now
        s.flush()
        return Progress(row.status, row.step, row.started_at, row.updated_at, row.finished_at)
