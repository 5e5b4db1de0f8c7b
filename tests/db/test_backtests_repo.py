"""db.repositories.backtests on SQLite and MariaDB: the life of a run, cancel, lists, deletes."""

from __future__ import annotations

from db.repositories import backtests as repo

PARAMS = {"fast": 5, "slow": 20}
CONFIG = {"universe": {"kind": "codes", "codes": ["005930"]}, "start": "2026-01-02", "end": "2026-06-30"}


def _new(engine, **kw) -> int:
    return repo.create_run(engine, "ma_cross", PARAMS, CONFIG, user="trader", name="test run", **kw)


def test_create_claim_progress_finish(db_engine):
    run_id = _new(db_engine)
    run = repo.get_run(db_engine, run_id)
    assert (run.status, run.progress, run.stats, run.result, run.user) == (
        "queued",
        0.0,
        None,
        None,
        "trader",
    )
    assert run.params == PARAMS and run.config == CONFIG and run.active
    claimed = repo.claim_run(db_engine, run_id)
    assert claimed is not None and claimed.status == "running"
    assert repo.claim_run(db_engine, run_id) is None  # a second worker does not get it
    assert repo.set_progress(db_engine, run_id, 0.4) is True
    assert repo.set_progress(db_engine, run_id, 0.4) is True  # same value: still "running" (matched rows)
    assert repo.get_run(db_engine, run_id, with_result=False).progress == 0.4
    stats = {"total_return_pct": 12.5, "trades": 3, "sharpe": None}
    result = {"stats": stats, "trades": [{"code": "005930", "pnl": 1000}], "equity": [["2026-01-02", 1]]}
    assert repo.finish_run(db_engine, run_id, stats, result) is True
    done = repo.get_run(db_engine, run_id)
    assert (done.status, done.progress, done.stats, done.result) == ("done", 1.0, stats, result)
    assert done.finished_at is not None and not done.active
    assert repo.set_progress(db_engine, run_id, 0.5) is False  # finished runs take no progress
    assert repo.fail_run(db_engine, run_id, "late") is False  # nor a late failure


def test_cancel_queued_and_running(db_engine):
    queued = _new(db_engine)
    assert repo.request_cancel(db_engine, queued) == "cancelled"
    assert repo.claim_run(db_engine, queued) is None  # the job skips a run cancelled before it started
    assert repo.get_run(db_engine, queued).status == "cancelled"

    running = _new(db_engine)
    repo.claim_run(db_engine, running)
    assert repo.request_cancel(db_engine, running) == "cancelling"
    assert repo.get_run(db_engine, running).status == "cancelling"
    assert repo.set_progress(db_engine, running, 0.7) is False  # the job learns it must stop
    assert repo.mark_cancelled(db_engine, running) is True
    assert repo.get_run(db_engine, running).status == "cancelled"
    assert repo.request_cancel(db_engine, running) is None  # nothing left to cancel
    assert repo.request_cancel(db_engine, 999_999) is None


def test_fail_keeps_the_message_and_interrupt(db_engine):
    a, b, c = _new(db_engine), _new(db_engine), _new(db_engine)
    repo.claim_run(db_engine, a)
    assert repo.fail_run(db_engine, a, "unknown stock code 'ZZZZZZ'" + "x" * 3000) is True
    failed = repo.get_run(db_engine, a)
    assert failed.status == "failed" and failed.error.startswith("unknown stock code 'ZZZZZZ'")
    assert len(failed.error) == repo.MAX_ERROR
    repo.claim_run(db_engine, b)
    assert repo.interrupt_active(db_engine, "interrupted") == 2  # b (running) and c (queued)
    assert {repo.get_run(db_engine, i).status for i in (b, c)} == {"failed"}
    assert repo.get_run(db_engine, c).error == "interrupted"


def test_list_get_many_and_delete(db_engine):
    ids = [_new(db_engine) for _ in range(4)]
    other = repo.create_run(db_engine, "rsi", {"period": 14}, CONFIG, user="someone")
    big = {"equity": [["2026-01-02T00:00:00", 100_000_000 + i] for i in range(2000)]}
    for run_id in ids[:3]:
        repo.claim_run(db_engine, run_id)
        repo.finish_run(db_engine, run_id, {"trades": run_id}, big)
    runs = repo.list_runs(db_engine, limit=10)
    assert [r.id for r in runs] == [other, *reversed(ids)]
    assert all(r.result is None for r in runs)  # lists never carry the big column
    assert [r.id for r in repo.list_runs(db_engine, user="someone")] == [other]
    assert len(repo.list_runs(db_engine, limit=2)) == 2
    many = repo.get_runs(db_engine, [ids[2], ids[0], 999_999])
    assert [r.id for r in many] == [ids[2], ids[0]]
    assert len(many[0].result["equity"]) == 2000 and many[0].stats == {"trades": ids[2]}
    # ids[3] is still queued: it is kept
    assert repo.delete_runs(db_engine, [ids[0], ids[3]]) == 1
    assert repo.get_run(db_engine, ids[0]) is None
    assert repo.get_run(db_engine, ids[3]).status == "queued"
    assert repo.delete_runs(db_engine, []) == 0
    d = repo.get_run(db_engine, ids[1]).to_dict()
    assert d["status"] == "done" and isinstance(d["created_at"], str)
