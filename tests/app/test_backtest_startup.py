"""The /backtest page's wiring: runs a stopped embedded app left active are failed when the app
starts (not when the page is opened), the page's layout writes nothing, it reaches the worker only
through the ``BacktestJobs`` the app was given, and the page package never imports ``workers``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import event

from db.engine import make_engine
from db.repositories import backtests as runs
from workers.backtest_runner import INTERRUPTED, BacktestRunner

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {"universe": {"kind": "codes", "codes": ["005930"]}, "start": "2026-01-02", "end": "2026-06-30"}


def _running_run(url: str) -> int:
    """A run some process claimed (status running), as a stopped app leaves it."""
    engine = make_engine(url)
    try:
        run_id = runs.create_run(engine, "ma_cross", {}, CONFIG)
        runs.claim_run(engine, run_id)
        return run_id
    finally:
        engine.dispose()


@pytest.fixture
def app_with_a_stale_run(app_settings):
    """(app, run id): a run left running in the database before the app was built."""
    from app.runtime import runtime
    from app.server import create_app

    stale = _running_run(app_settings.database_url)
    app = create_app(app_settings)
    yield app, stale
    runtime().close()


def test_the_app_fails_runs_left_active_when_it_starts(app_with_a_stale_run):
    from app.runtime import runtime

    _app, stale = app_with_a_stale_run
    rt = runtime()
    run = runs.get_run(rt.engine, stale)
    assert run.status == "failed" and run.error == INTERRUPTED
    assert isinstance(rt.backtest_jobs, BacktestRunner)
    assert rt.backtest_jobs.recover_interrupted() == 0  # once per process


def test_the_layout_writes_nothing_to_the_database(dash_app):
    from app.backtest.page import layout
    from app.runtime import runtime

    engine = runtime().engine
    alive = runs.create_run(engine, "ma_cross", {}, CONFIG, user="trader")
    runs.claim_run(engine, alive)  # e.g. computing in this process right now
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with dash_app.server.test_request_context("/backtest"):
            page = layout()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "bt-form" in str(page) and "SELECT" in statements
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements), statements
    assert runs.get_run(engine, alive).status == "running"


def test_full_mode_recovers_nothing(app_settings):
    """With Redis the Celery workers own the runs: a starting web process leaves them alone."""
    stale = _running_run(app_settings.database_url)
    full = app_settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"})
    engine = make_engine(full.database_url)
    try:
        assert BacktestRunner(engine, full).recover_interrupted() == 0
        assert runs.get_run(engine, stale).status == "running"
    finally:
        engine.dispose()


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_backtest_page_does_not_import_workers():
    files = [ROOT / "app" / "pages" / "backtest.py", *sorted((ROOT / "app" / "backtest").glob("*.py"))]
    assert len(files) > 5
    for path in files:
        bad = {m for m in _imported_modules(path) if m == "workers" or m.startswith("workers.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
