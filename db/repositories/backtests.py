"""Backtest runs: the only code that builds queries on backtest_runs.

Life of a run: ``create_run`` (queued) → ``claim_run`` (running) → ``set_progress`` … →
``finish_run`` (done) | ``fail_run`` (failed) | ``mark_cancelled`` (cancelled). ``request_cancel``
works from any process: a queued run is cancelled at once, a running one becomes ``cancelling``,
which the job sees on its next ``set_progress`` (it returns False) and ends as ``cancelled``.
Every transition is one conditional UPDATE, so two processes never both claim or finish a run.

A claimed run beats: ``heartbeat`` (and every ``set_progress``) stamps ``heartbeat_at``. A run whose
heartbeat is older than the caller's ``stale_before`` has lost its worker: ``end_stale`` fails it (or
cancels it if a cancel was asked), ``request_cancel`` cancels it at once, ``delete_runs`` may delete it,
and ``claim_run`` lets a redelivered task take it over (up to ``MAX_ATTEMPTS`` claims) or fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update

from db.cache import Topic, invalidate, memoized
from db.engine import session_scope
from db.models import BacktestRun
from trading.timeconv import now_naive_kst

QUEUED, RUNNING, CANCELLING = "queued", "running", "cancelling"
DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING, CANCELLING)
FINAL = (DONE, FAILED, CANCELLED)
MAX_ERROR = 2000
MAX_ATTEMPTS = 2  # a run is started at most this often (a redelivery after a lost worker is the second)
WORKER_LOST = "worker lost: no heartbeat since {since}"

_SUMMARY_COLUMNS = (
    BacktestRun.id,
    BacktestRun.created_at,
    BacktestRun.finished_at,
    BacktestRun.user,
    BacktestRun.name,
    BacktestRun.strategy,
    BacktestRun.params,
    BacktestRun.config,
    BacktestRun.status,
    BacktestRun.progress,
    BacktestRun.stats,
    BacktestRun.error,
    BacktestRun.heartbeat_at,
    BacktestRun.attempts,
)


@dataclass(frozen=True)
class RunRow:
    """One backtest run; ``result`` is None unless it was asked for (it can be large)."""

    id: int
    created_at: datetime
    finished_at: datetime | None
    user: str | None
    name: str | None
    strategy: str
    params: dict[str, Any]
    config: dict[str, Any]
    status: str
    progress: float
    stats: dict[str, Any] | None
    error: str | None
    result: dict[str, Any] | None = None
    heartbeat_at: datetime | None = None  # the job's last sign of life (naive KST)
    attempts: int = 0  # how often a worker started it

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat(timespec="seconds")
        out["finished_at"] = self.finished_at.isoformat(timespec="seconds") if self.finished_at else None
        out["heartbeat_at"] = self.heartbeat_at.isoformat(timespec="seconds") if self.heartbeat_at else None
        return out


def _row(values: Any, result: dict[str, Any] | None = None) -> RunRow:
    return RunRow(
        id=int(values.id),
        created_at=values.created_at,
        finished_at=values.finished_at,
        user=values.user,
        name=values.name,
        strategy=values.strategy,
        params=values.params or {},
        config=values.config or {},
        status=values.status,
        progress=float(values.progress or 0.0),
        stats=values.stats,
        error=values.error,
        result=result,
        heartbeat_at=values.heartbeat_at,
        attempts=int(values.attempts or 0),
    )


def _now() -> datetime:
    return now_naive_kst().replace(microsecond=0)


def create_run(
    engine: Engine,
    strategy: str,
    params: dict[str, Any],
    config: dict[str, Any],
    *,
    user: str | None = None,
    name: str | None = None,
) -> int:
    """Store a new queued run; returns its id."""
    with session_scope(engine) as s:
        row = BacktestRun(
            created_at=_now(),
            user=user[:40] if user else None,
            name=name[:100] if name else None,
            strategy=strategy[:60],
            params=params,
            config=config,
            status=QUEUED,
            progress=0.0,
        )
        s.add(row)
        s.flush()
        return int(row.id)


def _transition(engine: Engine, run_id: int, sources: Iterable[str], **values: Any) -> bool:
    """UPDATE the run to ``values`` if its status is one of ``sources``; True when it changed."""
    stmt = (
        update(BacktestRun)
        .where(BacktestRun.id == run_id, BacktestRun.status.in_(tuple(sources)))
        .values(**values)
    )
    with session_scope(engine) as s:
        return s.execute(stmt).rowcount == 1


def _dead(stale_before: datetime) -> Any:
    """Active runs past their claim whose heartbeat is older than ``stale_before`` (their worker died)."""
    return BacktestRun.status.in_((RUNNING, CANCELLING)) & (
        BacktestRun.heartbeat_at.is_(None) | (BacktestRun.heartbeat_at < stale_before)
    )


def claim_run(engine: Engine, run_id: int, stale_before: datetime | None = None) -> RunRow | None:
    """Take a run to compute it: queued → running, or — with ``stale_before`` — a running run whose worker
    died (a redelivered task) starts again from the beginning. None when the run is not ours to run
    (cancelled, finished, alive elsewhere); a dead run that used its ``MAX_ATTEMPTS`` is failed instead."""
    now = _now()
    fresh = dict(status=RUNNING, progress=0.0, heartbeat_at=now, attempts=BacktestRun.attempts + 1)
    if _transition(engine, run_id, (QUEUED,), **fresh):
        return get_run(engine, run_id, with_result=False)
    if stale_before is None:
        return None
    with session_scope(engine) as s:
        row = s.execute(
            select(BacktestRun.status, BacktestRun.attempts, BacktestRun.heartbeat_at).where(
                BacktestRun.id == run_id, _dead(stale_before)
            )
        ).first()
    if row is None:
        return None
    if row.status == CANCELLING:
        mark_cancelled(engine, run_id)
        return None
    if row.attempts >= MAX_ATTEMPTS:
        fail_run(
            engine,
            run_id,
            WORKER_LOST.format(since=row.heartbeat_at) + f"; gave up after {row.attempts} starts",
        )
        return None
    stmt = update(BacktestRun).where(BacktestRun.id == run_id, _dead(stale_before)).values(**fresh)
    with session_scope(engine) as s:
        if s.execute(stmt).rowcount != 1:
            return None  # another redelivery took it first
    return get_run(engine, run_id, with_result=False)


def heartbeat(engine: Engine, run_id: int) -> bool:
    """Stamp the run's heartbeat; False when it is no longer running here (ended, cancelling, gone)."""
    return _transition(engine, run_id, (RUNNING, CANCELLING), heartbeat_at=_now())


def set_progress(engine: Engine, run_id: int, fraction: float) -> bool:
    """Store the progress of a running run (a heartbeat too); False when it should stop (cancel asked,
    or gone)."""
    value = min(max(float(fraction), 0.0), 1.0)
    return _transition(engine, run_id, (RUNNING,), progress=value, heartbeat_at=_now())


def end_stale(engine: Engine, stale_before: datetime) -> list[int]:
    """End the runs whose worker died (no heartbeat since ``stale_before``): failed with the reason, or
    cancelled when a cancel was asked. Returns their ids."""
    with session_scope(engine) as s:
        dead = s.execute(
            select(BacktestRun.id, BacktestRun.status, BacktestRun.heartbeat_at).where(_dead(stale_before))
        ).all()
    ended = []
    for run_id, status, beat in dead:
        if status == CANCELLING:
            done = _transition(engine, run_id, (CANCELLING,), status=CANCELLED, finished_at=_now())
        else:
            error = WORKER_LOST.format(since=beat or "the start")
            done = _transition(engine, run_id, (RUNNING,), status=FAILED, error=error, finished_at=_now())
        if done:
            ended.append(int(run_id))
    return ended


def finish_run(engine: Engine, run_id: int, stats: dict[str, Any], result: dict[str, Any]) -> bool:
    """running (or cancelling: the run got to the end first) → done with its statistics and result."""
    return _transition(
        engine,
        run_id,
        (RUNNING, CANCELLING),
        status=DONE,
        progress=1.0,
        stats=stats,
        result=result,
        error=None,
        finished_at=_now(),
    )


def fail_run(engine: Engine, run_id: int, error: str, detail: dict[str, Any] | None = None) -> bool:
    """Any active status → failed with ``error`` (English, cut to MAX_ERROR characters); ``detail``
    (e.g. the Korean message) is kept in the result column."""
    return _transition(
        engine, run_id, ACTIVE, status=FAILED, error=error[:MAX_ERROR], result=detail, finished_at=_now()
    )


def mark_cancelled(engine: Engine, run_id: int) -> bool:
    """Any active status → cancelled (the job stopped on a cancel request)."""
    return _transition(engine, run_id, ACTIVE, status=CANCELLED, finished_at=_now())


def request_cancel(engine: Engine, run_id: int, stale_before: datetime | None = None) -> str | None:
    """Ask a run to stop: queued → cancelled now, running → cancelling (the job ends it); a run whose
    worker died (no heartbeat since ``stale_before``) is cancelled now.

    Returns the new status, or None when the run is not active (already finished or unknown).
    """
    if _transition(engine, run_id, (QUEUED,), status=CANCELLED, finished_at=_now()):
        return CANCELLED
    if stale_before is not None:
        stmt = (
            update(BacktestRun)
            .where(BacktestRun.id == run_id, _dead(stale_before))
            .values(status=CANCELLED, finished_at=_now())
        )
        with session_scope(engine) as s:
            if s.execute(stmt).rowcount == 1:
                return CANCELLED
    if _transition(engine, run_id, (RUNNING,), status=CANCELLING):
        return CANCELLING
    return None


def interrupt_active(engine: Engine, error: str) -> int:
    """Fail every active run (their process is gone, e.g. the embedded app restarted); returns how many."""
    stmt = (
        update(BacktestRun)
        .where(BacktestRun.status.in_(ACTIVE))
        .values(status=FAILED, error=error[:MAX_ERROR], finished_at=_now())
    )
    with session_scope(engine) as s:
        return int(s.execute(stmt).rowcount or 0)


def _finished(run: RunRow | None) -> bool:
    """Only a finished run is immutable (until deleted), so only finished runs are cached."""
    return run is not None and run.status in FINAL


@memoized(Topic.BACKTESTS, keep=_finished)
def get_run(engine: Engine, run_id: int, with_result: bool = True) -> RunRow | None:
    """One run (with its result unless ``with_result`` is False), or None."""
    cols = (*_SUMMARY_COLUMNS, BacktestRun.result) if with_result else _SUMMARY_COLUMNS
    with session_scope(engine) as s:
        values = s.execute(select(*cols).where(BacktestRun.id == run_id)).first()
    if values is None:
        return None
    return _row(values, values.result if with_result else None)


def get_runs(engine: Engine, run_ids: Iterable[int]) -> list[RunRow]:
    """Several runs with their results, in the order of ``run_ids`` (unknown ids are left out); each is read
    by ``get_run``, so finished ones come from the cache."""
    runs = (get_run(engine, int(i)) for i in run_ids)
    return [r for r in runs if r is not None]


def list_runs(engine: Engine, limit: int = 50, user: str | None = None) -> list[RunRow]:
    """The newest runs first, without their result (``user``: only that user's)."""
    q = select(*_SUMMARY_COLUMNS).order_by(BacktestRun.id.desc()).limit(limit)
    if user is not None:
        q = q.where(BacktestRun.user == user)
    with session_scope(engine) as s:
        return [_row(r) for r in s.execute(q)]


def delete_runs(engine: Engine, run_ids: Iterable[int], stale_before: datetime | None = None) -> int:
    """Delete finished runs among ``run_ids``, and dead ones (no heartbeat since ``stale_before``); live
    runs are kept. Returns how many went."""
    ids = [int(i) for i in run_ids]
    if not ids:
        return 0
    deletable = BacktestRun.status.in_(FINAL)
    if stale_before is not None:
        deletable = deletable | _dead(stale_before)
    stmt = delete(BacktestRun).where(BacktestRun.id.in_(ids), deletable)
    with session_scope(engine) as s:
        deleted = int(s.execute(stmt).rowcount or 0)
    if deleted:
        invalidate(engine, Topic.BACKTESTS)
    return deleted
