"""Backtest jobs on a real SQLite database with seeded stocks and generated history: the job's
result equals the engine's and the CLI's, every universe and data kind, grid / walk-forward,
cancel, bad requests, the in-process executor and (with Redis) the Celery task."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from support.wait import wait_for

from db.engine import make_engine
from db.models import Base
from db.repositories import backtests as runs
from db.repositories.bars import daily_bars, latest_daily_values, minute_bars, store_history
from db.repositories.reports import save_report
from db.repositories.ticks import insert_ticks
from db.seed import seed
from services.backtest_jobs import JobNotStarted
from trading.backtest import run_backtest
from trading.backtest.spec import SpecError, parse_spec
from trading.config import load_settings
from trading.domain import KST, Tick
from trading.market.history import generate_history
from trading.market.stocks import load_listing
from workers.backtest_jobs import check_request, run_backtest_job
from workers.backtest_runner import INTERRUPTED, BacktestRunner, recover_interrupted, start_run

CODES = ("005930", "000660", "035420")
END = date(2026, 11, 20)
START = "2026-01-02"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """(url, engine): the stock master and one year of generated bars for three stocks."""
    path = tmp_path_factory.mktemp("bt") / "bt.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    seed(engine)
    stocks = [s for s in load_listing() if s.code in CODES]
    store_history(engine, generate_history(stocks, end=END, years=1, minute_days=2, seed=7, minute_stocks=3))
    yield url, engine
    engine.dispose()


@pytest.fixture
def settings(db, tmp_path):
    return load_settings(database_url=db[0], data_dir=tmp_path / "data", redis_url=None)


def _queue(engine, strategy: str, params: dict, config: dict) -> int:
    """Store a run the way the page does: parsed, then in canonical form."""
    spec = parse_spec(strategy, params, config)
    return runs.create_run(engine, strategy, spec.params_json(), spec.config_json(), user="test")


def _daily(engine, code: str, start: date, end: date) -> pd.DataFrame:
    bars = daily_bars(engine, code, start, end)
    return pd.DataFrame(
        {"Open": [b.open for b in bars], "High": [b.high for b in bars], "Low": [b.low for b in bars],
         "Close": [b.close for b in bars], "Volume": [b.volume for b in bars]},
        index=pd.DatetimeIndex([pd.Timestamp(b.time.date()) for b in bars]),
    )  # fmt: skip


def test_daily_run_matches_the_engine_and_the_cli(db, settings, tmp_path):
    url, engine = db
    config = {
        "universe": {"kind": "codes", "codes": "005930, 000660"},
        "start": START,
        "end": END.isoformat(),
    }
    run_id = _queue(engine, "ma_cross", {"fast": "5", "slow": "20"}, config)
    status = run_backtest_job(engine, settings, run_id)
    assert status.startswith(f"ok: run {run_id} done")
    run = runs.get_run(engine, run_id)
    assert run.status == "done" and run.progress == 1.0 and run.finished_at is not None
    # the same inputs straight into the engine
    start = date.fromisoformat(START)
    data = {c: _daily(engine, c, start, END) for c in ("005930", "000660")}
    direct = run_backtest(
        data, "ma_cross", {"fast": 5, "slow": 20}, markets={c: "KOSPI" for c in data}
    ).to_dict()
    assert run.stats["trades"] == direct["stats"]["trades"] == len(run.result["trades"]) > 0
    assert run.stats["final_equity"] == direct["stats"]["final_equity"]
    assert run.result["trades"] == direct["trades"]
    assert run.stats["benchmark_return_pct"] == pytest.approx(direct["benchmark"]["total_return_pct"])
    assert (
        run.result["run"]["codes"] == ["005930", "000660"]
        and run.result["run"]["names"]["005930"] == "삼성전자"
    )
    assert len(run.result["equity"]) <= 2000 and run.result["monthly"]
    # and through the CLI, as a user runs it
    cli = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "backtest", "--strategy", "ma_cross",
         "--codes", "005930,000660", "--start", START, "--end", END.isoformat(), "--param", "fast=5",
         "--param", "slow=20", "--json"],
        env={**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp_path / "cli")},
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    out = json.loads(cli.stdout)
    assert len(out["trades"]) == run.stats["trades"]
    assert out["final_equity"] == run.stats["final_equity"]


def test_costs_sizing_and_fill_reach_the_engine(db, settings):
    _, engine = db
    base = {"universe": {"kind": "codes", "codes": ["005930"]}, "start": START, "end": END.isoformat()}
    cheap = _queue(engine, "ma_cross", {"fast": 5, "slow": 20}, {**base, "commission_pct": 0})
    costly = _queue(
        engine,
        "ma_cross",
        {"fast": 5, "slow": 20},
        {**base, "commission_pct": "0.5", "slippage_ticks": "3", "sizing": {"kind": "percent", "value": "50"},
         "fill": "close", "cash": "50000000"},
    )  # fmt: skip
    for run_id in (cheap, costly):
        assert run_backtest_job(engine, settings, run_id).startswith("ok")
    a, b = runs.get_run(engine, cheap), runs.get_run(engine, costly)
    assert a.stats["commission_total"] == 0 and b.stats["commission_total"] > 0
    assert b.result["config"]["fill"] == "close" and b.result["config"]["slippage_ticks"] == 3
    assert b.result["config"]["sizing"] == {"kind": "percent", "value": 0.5, "atr_period": 14}
    assert b.stats["start_value"] == 50_000_000
    # half the equity per entry: every buy is at most ~50% of the equity at the time
    first = b.result["trades"][0]
    assert first["entry_price"] * first["size"] <= 25_000_000


def test_ranking_sector_minute_and_tick_universes(db, settings):
    _, engine = db
    values = latest_daily_values(engine, date(2026, 6, 1))
    top2 = sorted(values, key=lambda c: -values[c])[:2]
    ranking = _queue(
        engine,
        "rsi",
        {},
        {"universe": {"kind": "ranking", "top": 2}, "start": "2026-06-01", "end": END.isoformat()},
    )
    sector = _queue(
        engine,
        "macd",
        {},
        {
            "universe": {"kind": "sector", "sector": "SEMI", "top": "5"},
            "start": START,
            "end": END.isoformat(),
        },
    )
    minute = _queue(
        engine,
        "quarter_lines",
        {},
        {
            "universe": {"kind": "codes", "codes": "005930"},
            "data": "minute",
            "start": "2026-11-19",
            "end": "2026-11-20",
        },
    )
    for run_id in (ranking, sector, minute):
        assert run_backtest_job(engine, settings, run_id).startswith("ok"), runs.get_run(engine, run_id).error
    assert runs.get_run(engine, ranking).result["run"]["codes"] == top2
    semi = runs.get_run(engine, sector).result["run"]
    # the SEMI sector's TOP 5 by 거래대금: the two semiconductor stocks with bars, the rest left out
    assert semi["codes"] == ["000660", "005930"] or semi["codes"] == ["005930", "000660"]
    assert len(semi["skipped"]) == 3
    m = runs.get_run(engine, minute)
    stored = minute_bars(
        engine, "005930", datetime(2026, 11, 19, tzinfo=KST), datetime(2026, 11, 21, tzinfo=KST)
    )
    assert m.result["config"]["bars"] == len(stored) > 300
    assert m.result["equity"][0][0] == stored[0].time.isoformat()  # intraday, KST

    # recorded ticks: 300 trades of one stock become 300 one-price bars
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=KST)
    prices = [70_000 + 100 * round(5 * math.sin(i / 15)) for i in range(300)]
    insert_ticks(
        engine,
        [
            Tick("035420", t0 + timedelta(seconds=i), i + 1, p, 10, 10 * (i + 1), p * 10)
            for i, p in enumerate(prices)
        ],
    )
    ticks = _queue(
        engine,
        "ma_cross",
        {"fast": 5, "slow": 20},
        {
            "universe": {"kind": "codes", "codes": "035420"},
            "data": "ticks",
            "start": "2026-11-20",
            "end": "2026-11-20",
        },
    )
    assert run_backtest_job(engine, settings, ticks).startswith("ok")
    t = runs.get_run(engine, ticks)
    assert t.result["config"]["bars"] == 300 and t.stats["trades"] > 0


def test_sector_follow_buys_the_stored_report_picks(db, settings):
    _, engine = db
    day = date(2026, 6, 2)
    save_report(
        engine,
        {"session_date": day.isoformat(), "us_session_date": None, "data_source": "test",
         "picks": [{"code": "000660", "sector_code": "SEMI", "score": 1.0, "value_rank": 1, "reasons": []}]},
    )  # fmt: skip
    run_id = _queue(
        engine,
        "sector_follow",
        {"hold": "1"},
        {"universe": {"kind": "report", "date": day.isoformat()}, "start": "2026-05-01", "end": "2026-06-30"},
    )
    assert run_backtest_job(engine, settings, run_id).startswith("ok")
    run = runs.get_run(engine, run_id)
    assert run.result["run"]["codes"] == ["000660"]
    [trade] = run.result["trades"]
    assert (
        trade["entry_time"][:10] == trade["exit_time"][:10] == day.isoformat()
    )  # open → close of the pick day


def test_grid_search_and_walk_forward(db, settings):
    _, engine = db
    base = {
        "universe": {"kind": "codes", "codes": "005930,000660"},
        "start": "2025-12-01",
        "end": END.isoformat(),
    }
    grid = _queue(
        engine,
        "ma_cross",
        {"fast": "5,10", "slow": "20,30,40"},
        {**base, "mode": "grid", "metric": "total_return"},
    )
    assert run_backtest_job(engine, settings, grid).startswith("ok")
    g = runs.get_run(engine, grid)
    rows = g.result["grid"]["rows"]
    assert len(rows) == 6 and {(r["fast"], r["slow"]) for r in rows} == {
        (f, s) for f in (5, 10) for s in (20, 30, 40)
    }
    best = max(rows, key=lambda r: r["metric"])
    assert g.result["grid"]["best"] == {"fast": best["fast"], "slow": best["slow"]}
    assert g.stats["total_return_pct"] == pytest.approx(
        best["total_return_pct"]
    )  # the stored result is the best

    wf = _queue(
        engine,
        "ma_cross",
        {"fast": "5,10", "slow": "20,30"},
        {**base, "mode": "walk_forward", "train_days": "120", "test_days": "60"},
    )
    assert run_backtest_job(engine, settings, wf).startswith("ok")
    w = runs.get_run(engine, wf)
    windows = w.result["walk_forward"]["windows"]
    assert len(windows) >= 3 and w.stats["trades"] == sum(x["oos_trades"] for x in windows)
    assert w.result["equity"] and w.result["benchmark"]["equity"] and w.result["trades"] == []


SLOW_STRATEGY = '''
import time
from trading.strategies import Strategy


class SlowCross(Strategy):
    """ma_cross that takes its time (to test cancelling)."""

    name = "slow_cross"
    params = {"n": 5, "m": 1}

    def signals(self, data, n=5, m=1):
        time.sleep(0.05)
        close = data["Close"].astype(float)
        return (close > close.rolling(n).mean()).astype(float)


class Broken(Strategy):
    name = "broken"
    params = {"x": 1}

    def signals(self, data, x=1):
        return 1 / 0
'''


@pytest.fixture
def user_strategies(tmp_path, monkeypatch):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "slow.py").write_text(SLOW_STRATEGY)
    monkeypatch.setenv("GSLTS_STRATEGIES_DIR", str(folder))
    return folder


def _wait(engine, run_id: int, want: set[str], timeout: float = 60.0):
    end = time.time() + timeout
    while time.time() < end:
        run = runs.get_run(engine, run_id, with_result=False)
        if run.status in want:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never reached {want}: {run.status}")


def test_cancel_stops_a_running_job(db, settings, user_strategies):
    _, engine = db
    run_id = _queue(
        engine,
        "slow_cross",
        {"n": ",".join(str(n) for n in range(2, 42)), "m": "1,2,3"},  # 120 runs × 3 stocks × 50 ms
        {
            "mode": "grid",
            "universe": {"kind": "codes", "codes": list(CODES)},
            "start": START,
            "end": END.isoformat(),
        },
    )
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(run_backtest_job(engine, settings, run_id)))
    worker.start()
    running = _wait(engine, run_id, {"running"})
    # loading data and compiling the kernel come first; under load that can take several seconds
    assert wait_for(lambda: runs.get_run(engine, run_id, with_result=False).progress > 0, timeout=30)
    assert runs.request_cancel(engine, running.id) == "cancelling"
    worker.join(timeout=30)
    assert not worker.is_alive() and out == [f"cancelled: run {run_id}"]
    run = runs.get_run(engine, run_id)
    assert run.status == "cancelled" and run.result is None and run.progress < 1.0


def test_bad_requests_fail_with_a_clear_message(db, settings, user_strategies):
    _, engine = db
    ok = {"universe": {"kind": "codes", "codes": ["005930"]}, "start": START, "end": END.isoformat()}
    cases = [
        ("ma_cross", {"fast": 5}, {**ok, "universe": {"kind": "codes", "codes": ["999999"]}},
         "unknown stock code(s): 999999", "없는 종목 코드입니다: 999999"),
        ("ma_cross", {"fast": 5}, {**ok, "end": "2025-01-01"},
         "the end date is before the start date", "종료일이 시작일보다 빠릅니다"),
        ("ma_cross", {"fast": "five"}, ok, "parameter fast must be a number, got 'five'", "파라미터 fast"),
        ("nope", {}, ok, "unknown strategy 'nope'", "알 수 없는 전략입니다: nope"),
        ("ma_cross", {}, {**ok, "universe": {"kind": "codes", "codes": ["005380"]}},
         "no daily bars for 005380", "005380의 일봉 데이터가"),
        ("ma_cross", {}, {**ok, "universe": {"kind": "report", "date": "2026-03-03"}},
         "no morning report", "아침 리포트"),
        ("broken", {}, ok, "ZeroDivisionError: division by zero", None),
        ("ma_cross", {}, {**ok, "universe": {"kind": "sector", "sector": "NOPE"}},
         "unknown sector 'NOPE'", "알 수 없는 섹터입니다: NOPE"),
    ]  # fmt: skip
    for strategy, params, config, message, korean in cases:
        run_id = runs.create_run(engine, strategy, params, config)  # stored as-is: the job must cope
        status = run_backtest_job(engine, settings, run_id)
        run = runs.get_run(engine, run_id)
        assert status.startswith("failed") and run.status == "failed", (message, status)
        assert message in run.error, (message, run.error)
        assert run.stats is None
        if korean is None:  # a crash inside a user strategy: no translation, the exception itself
            assert run.result is None
        else:  # a bad request also carries its Korean message for the page
            assert korean in run.result["error_ko"], (korean, run.result)


def test_check_request_gives_korean_messages_and_stores_nothing(db):
    _, engine = db
    before = len(runs.list_runs(engine, limit=1000))
    ok = {"universe": {"kind": "codes", "codes": "005930"}, "start": START, "end": END.isoformat()}
    spec, inputs = check_request(engine, "ma_cross", {"fast": "5"}, ok)
    assert spec.params == {"fast": 5} and inputs.codes == ["005930"] and inputs.markets == {"005930": "KOSPI"}
    for params, config, korean in [
        ({}, {**ok, "universe": {"kind": "codes", "codes": ""}}, "종목 코드를 하나 이상 입력하세요"),
        ({}, {**ok, "universe": {"kind": "codes", "codes": "123456"}}, "없는 종목 코드입니다: 123456"),
        ({}, {**ok, "end": "2025-12-01"}, "종료일이 시작일보다 빠릅니다"),
        ({"slow": "x"}, ok, "파라미터 slow"),
        ({"fast": "5,10"}, ok, "그리드 탐색"),
    ]:
        with pytest.raises(SpecError) as err:
            check_request(engine, "ma_cross", params, config)
        assert korean in err.value.ko
    assert len(runs.list_runs(engine, limit=1000)) == before


def test_embedded_executor_runs_in_the_background_and_recovery(db, settings):
    _, engine = db
    config = {"universe": {"kind": "codes", "codes": "000660"}, "start": START, "end": END.isoformat()}
    stale = _queue(engine, "ma_cross", {}, config)
    runs.claim_run(engine, stale)  # a run left "running" by an app that stopped
    fresh_settings = load_settings(database_url=str(engine.url), data_dir=settings.data_dir, redis_url=None)
    assert recover_interrupted(engine, fresh_settings) >= 1
    assert runs.get_run(engine, stale).error == INTERRUPTED
    assert recover_interrupted(engine, fresh_settings) == 0  # once per process
    run_id = _queue(engine, "ma_cross", {"fast": 3, "slow": 15}, config)
    future = start_run(engine, fresh_settings, run_id)
    assert future.result(timeout=60).startswith(f"ok: run {run_id}")
    assert runs.get_run(engine, run_id).status == "done"


def test_the_runner_is_the_pages_job_interface(db, settings):
    """BacktestRunner (the app's BacktestJobs): check, submit, follow, cancel, delete."""
    _, engine = db
    runner = BacktestRunner(engine, settings)
    config = {"universe": {"kind": "codes", "codes": "000660"}, "start": START, "end": END.isoformat()}
    before = len(runs.list_runs(engine, limit=1000))
    with pytest.raises(SpecError) as err:
        runner.check("ma_cross", {}, {**config, "universe": {"kind": "codes", "codes": "999999"}})
    assert err.value.ko == "없는 종목 코드입니다: 999999"
    spec = runner.check("ma_cross", {"fast": "3", "slow": "15"}, config)
    assert spec.params == {"fast": 3, "slow": 15} and len(runs.list_runs(engine, limit=1000)) == before
    run_id = runner.submit(spec, name="ma_cross 3/15", user="test")
    run = _wait(engine, run_id, {"done", "failed"})
    assert run.status == "done" and run.name == "ma_cross 3/15" and run.user == "test"
    shown = runner.progress(run_id)
    assert shown.status == "done" and shown.progress == 1.0 and shown.result is None
    assert runner.cancel(run_id) is False  # it has ended
    assert runner.delete([run_id]) == 1 and runner.progress(run_id) is None


def test_a_run_the_worker_cannot_take_is_stored_as_failed(db, settings):
    _, engine = db
    from workers.backtest_runner import celery_client

    unreachable = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})  # nothing listens
    client = celery_client(unreachable.redis_url)  # fail at once rather than after ~20 s of retries
    client.conf.update(
        task_publish_retry=False, result_backend_transport_options={"retry_policy": {"max_retries": 0}}
    )
    runner = BacktestRunner(engine, unreachable)
    config = {"universe": {"kind": "codes", "codes": "005930"}, "start": START, "end": END.isoformat()}
    with pytest.raises(JobNotStarted):
        runner.submit(runner.check("ma_cross", {}, config), name="unreachable", user=None)
    [run] = [r for r in runs.list_runs(engine, limit=1000) if r.name == "unreachable"]
    assert run.status == "failed" and run.error.startswith("could not start the run")


def test_celery_task_runs_a_backtest(db, settings, redis_url):
    """Full mode: the page's start_run sends the task; a real worker (same code as Procfile's) runs it."""
    from celery.contrib.testing.worker import start_worker

    from workers.backtest_runner import celery_client
    from workers.celery_app import make_celery

    _, engine = db
    full = load_settings(database_url=str(engine.url), data_dir=settings.data_dir, redis_url=redis_url)
    queue = f"gslts-test-{os.getpid()}-{time.time_ns()}"
    app = make_celery(full)
    app.conf.task_default_queue = queue
    celery_client(redis_url).conf.task_default_queue = queue
    config = {"universe": {"kind": "codes", "codes": "005930"}, "start": START, "end": END.isoformat()}
    run_id = _queue(engine, "ma_cross", {"fast": 5, "slow": 20}, config)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            task_id = start_run(engine, full, run_id)
            assert isinstance(task_id, str)
            run = _wait(engine, run_id, {"done", "failed"}, timeout=90)
    finally:
        celery_client(redis_url).conf.task_default_queue = "celery"
    assert run.status == "done" and run.stats["trades"] > 0
