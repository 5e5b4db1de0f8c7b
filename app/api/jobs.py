"""Backtests (submit, status, result) and bots (list, start, pause, stop): the same services the
/backtest and /auto pages call (``services/backtest_jobs.py``, ``services/bot_admin.py``)."""

from __future__ import annotations

from typing import Any

from app.api.endpoint import Call, Endpoint, api
from app.api.problems import ApiProblem
from app.api.schemas import BacktestIn, BacktestOut, BacktestResultOut, BotActionOut, BotOut, Problem
from app.runtime import runtime
from db.repositories import backtests as runs_repo
from db.repositories.api_tokens import TokenUser
from db.repositories.backtests import RunRow
from services import bot_admin
from services.backtest_jobs import JobNotStarted
from trading.backtest.spec import SpecError
from trading.orders.context import Role

ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _run_out(r: RunRow) -> BacktestOut:
    return BacktestOut(id=r.id, name=r.name, strategy=r.strategy, status=r.status, progress=r.progress,
                       created_at=r.created_at, finished_at=r.finished_at, stats=r.stats, error=r.error)  # fmt: skip


def _own_run(user: TokenUser, run_id: int, with_result: bool) -> RunRow:
    run = runs_repo.get_run(runtime().engine, run_id, with_result=with_result)
    if run is None or (run.user != user.username and user.role is not Role.ADMIN):
        raise ApiProblem(
            "NOT_FOUND", f"no backtest run {run_id}", f"백테스트 {run_id}을(를) 찾을 수 없습니다"
        )
    return run


@api(Endpoint("POST", "/backtests", "Submit a backtest run", "backtests", "read", BacktestOut, body=BacktestIn,
              status=202, store_answer=True,
              description="Queued; poll GET /backtests/{run_id}. A repeated Idempotency-Key returns the "
              "first answer (no second run)."))  # fmt: skip
def submit_backtest(call: Call) -> BacktestOut:
    b: BacktestIn = call.body
    jobs = runtime().backtest_jobs
    if jobs is None:
        raise ApiProblem("UNAVAILABLE", "this process runs no backtests")
    try:
        spec = jobs.check(b.strategy, dict(b.params), dict(b.config))
    except SpecError as err:
        raise ApiProblem("BACKTEST_INVALID", str(err), err.ko) from None
    except (ValueError, TypeError, KeyError) as err:
        raise ApiProblem("BACKTEST_INVALID", f"{type(err).__name__}: {err}"[:300]) from None
    try:
        run_id = jobs.submit(spec, name=b.name or b.strategy, user=call.user.username)
    except JobNotStarted as err:
        raise ApiProblem("UNAVAILABLE", f"the backtest could not start: {err}") from None
    return _run_out(_own_run(call.user, run_id, False))


@api(Endpoint("GET", "/backtests/<int:run_id>", "A backtest run's status and progress", "backtests", "read",
              BacktestOut, others={404: Problem}, path_params={"run_id": ID}))  # fmt: skip
def get_backtest(call: Call, run_id: int) -> BacktestOut:
    return _run_out(_own_run(call.user, run_id, False))


@api(Endpoint("GET", "/backtests/<int:run_id>/result", "A finished run's statistics, curves and trades",
              "backtests", "read", BacktestResultOut, others={404: Problem}, path_params={"run_id": ID}))  # fmt: skip
def get_backtest_result(call: Call, run_id: int) -> BacktestResultOut:
    run = _own_run(call.user, run_id, True)
    return BacktestResultOut(id=run.id, status=run.status, stats=run.stats, result=run.result)


def _bot_out(b: Any) -> BotOut:
    return BotOut(id=b.id, name=b.name, account=b.account, mode=b.mode, version=b.version, status=b.status,
                  status_reason=b.status_reason or "", strategy=b.strategy, timeframe=b.timeframe,
                  feed_age_s=b.feed_age_s, loss_streak=b.loss_streak, created_at=b.created_at)  # fmt: skip


@api(
    Endpoint(
        "GET", "/bots", "The caller's bots (admins and viewers: every bot)", "bots", "read", list[BotOut]
    )
)
def list_bots(call: Call) -> list[BotOut]:
    return [_bot_out(b) for b in bot_admin.list_for(runtime().engine, call.user.username)]


def _bot_action(call: Call, bot_id: int, action: str) -> BotActionOut:
    try:
        status = bot_admin.set_status(runtime().engine, call.user.username, bot_id, action)
    except bot_admin.BotActionError as err:
        raise ApiProblem("BOT_ACTION", str(err), err.ko) from None
    return BotActionOut(id=bot_id, status=status)


def _bot_endpoint(action: str, summary: str) -> Endpoint:
    return Endpoint("POST", f"/bots/<int:bot_id>/{action}", summary, "bots", "trade", BotActionOut,
                    others={409: Problem}, path_params={"bot_id": ID}, store_answer=True)  # fmt: skip


@api(_bot_endpoint("start", "Start a bot (reconciled with the account first)"))
def start_bot(call: Call, bot_id: int) -> BotActionOut:
    return _bot_action(call, bot_id, "start")


@api(_bot_endpoint("pause", "Pause a running bot (no new entries; exits still watched)"))
def pause_bot(call: Call, bot_id: int) -> BotActionOut:
    return _bot_action(call, bot_id, "pause")


@api(_bot_endpoint("stop", "Stop a bot (its positions stay in the account)"))
def stop_bot(call: Call, bot_id: int) -> BotActionOut:
    return _bot_action(call, bot_id, "stop")
