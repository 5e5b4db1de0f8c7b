"""What the /auto page and ``gslts bot`` do to bots: create (from scratch or from a backtest result), edit
(a new version), start, pause, stop, promote from paper to mock or real, and read them back with their
positions, orders, decision log, today's P&L and the evening comparisons.

The runner (``services/bots.py``, in the account owner) picks status changes up within a second; nothing
here places an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from db.repositories import accounts as accounts_repo
from db.repositories import backtests as runs_repo
from db.repositories import bots as repo
from db.repositories.users import get_user
from trading.bots.config import BotConfig, BotConfigError, parse_bot
from trading.bots.store import BotOrder, BotPosition, BotStatus, Decision
from trading.config import Settings
from trading.orders.naming import broker_account
from trading.strategies.registry import get_strategy
from trading.timeconv import day_range

READ_ALL = ("admin", "viewer")  # roles that see every bot (a viewer only looks; every action needs the owner)


class BotActionError(ValueError):
    """A refused action, with a Korean message for the page (``ko``) and English for the CLI (``str``)."""

    def __init__(self, en: str, ko: str):
        super().__init__(en)
        self.ko = ko


def check_strategy(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Resolved params of strategy ``name`` (KeyError: unknown; ValueError: bad params)."""
    try:
        strat = get_strategy(name)
    except (KeyError, LookupError, ValueError) as err:
        raise KeyError(name) from err
    resolved = strat.resolve_params(params)
    for key, default in strat.params.items():
        value = resolved[key]
        if isinstance(default, bool) or not isinstance(default, int | float) or isinstance(value, bool):
            continue
        try:
            num = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {key} must be a number, got {value!r}") from None
        resolved[key] = int(num) if isinstance(default, int) and num == int(num) else num
    return resolved


def parse(raw: Mapping[str, Any]) -> BotConfig:
    """A checked config (``BotConfigError`` with one message per bad field)."""
    return parse_bot(raw, check_strategy)


def _user(engine: Engine, username: str) -> Any:
    user = get_user(engine, username)
    if user is None:
        raise BotActionError(f"unknown user {username!r}", f"알 수 없는 사용자입니다: {username}")
    return user


def _owned(engine: Engine, username: str, bot_id: int) -> repo.BotSummary:
    user = _user(engine, username)
    try:
        return repo.get_bot(engine, bot_id, None if user.role == "admin" else user.id)
    except repo.BotNotFound:
        raise BotActionError(f"no bot {bot_id}", f"봇 {bot_id}을(를) 찾을 수 없습니다") from None


def _readable(engine: Engine, username: str, bot_id: int) -> repo.BotSummary:
    """A bot the user may look at: their own; any for admins and viewers (who watch, never act)."""
    user = _user(engine, username)
    try:
        return repo.get_bot(engine, bot_id, None if user.role in READ_ALL else user.id)
    except repo.BotNotFound:
        raise BotActionError(f"no bot {bot_id}", f"봇 {bot_id}을(를) 찾을 수 없습니다") from None


def create(engine: Engine, settings: Settings, username: str, raw: Mapping[str, Any],
           source: str | None = None) -> int:  # fmt: skip
    """A new bot (stopped, paper mode: a bot always starts on paper)."""
    user = _user(engine, username)
    if user.role == "viewer":
        raise BotActionError("viewers cannot create bots", "조회 전용 사용자는 봇을 만들 수 없습니다")
    cfg = parse({**raw, "mode": "paper"})
    account = accounts_repo.ensure_paper_account(engine, user.id, settings.paper_initial_cash)
    return repo.create_bot(engine, user.id, account, cfg, source)


def config_from_run(engine: Engine, run_id: int) -> dict[str, Any]:
    """A bot config (as a form dict) with the strategy, parameters, universe and sizing of backtest run
    ``run_id`` ("이 전략으로 자동매매")."""
    run = runs_repo.get_run(engine, run_id, with_result=False)
    if run is None:
        raise BotActionError(f"no backtest run {run_id}", f"백테스트 {run_id}을(를) 찾을 수 없습니다")
    cfg = run.config or {}
    u = cfg.get("universe") or {}
    kind = u.get("kind", "codes")
    if kind == "codes":
        universe: dict[str, Any] = {"kind": "codes", "codes": list(u.get("codes") or [])}
    elif kind == "sector":
        universe = {"kind": "sector", "sector": u.get("sector"), "n": u.get("top") or 20}
    elif kind == "report":
        universe = {"kind": "report"}
    else:
        universe = {"kind": "top", "n": u.get("top") or 20}
    s = cfg.get("sizing") or {}
    if s.get("kind") == "fixed":
        sizing = {"kind": "fixed", "value": s.get("value")}
    elif s.get("kind") == "percent":
        sizing = {"kind": "percent", "value": s.get("value")}
    else:
        sizing = {"kind": "percent", "value": 20}
    timeframe = "1d" if cfg.get("data", "daily") == "daily" else "1m"
    params = {k: v for k, v in (run.params or {}).items() if not isinstance(v, list)}
    return {"name": f"{run.strategy} #{run_id}", "strategy": run.strategy, "params": params,
            "universe": universe, "timeframe": timeframe, "sizing": sizing}  # fmt: skip


def edit(engine: Engine, username: str, bot_id: int, raw: Mapping[str, Any]) -> int:
    """Store ``raw`` as the bot's next version (its mode stays); returns the version."""
    bot = _owned(engine, username, bot_id)
    cfg = parse({**raw, "mode": bot.mode})
    return repo.new_version(engine, bot_id, cfg, username)


def set_status(engine: Engine, username: str, bot_id: int, action: str) -> str:
    """start | pause | stop; returns the new status. A start reconciles with the account first (runner)."""
    bot = _owned(engine, username, bot_id)
    target = {"start": BotStatus.RUNNING, "pause": BotStatus.PAUSED, "stop": BotStatus.STOPPED}.get(action)
    if target is None:
        raise BotActionError(f"unknown action {action!r}", f"알 수 없는 동작입니다: {action}")
    if target is BotStatus.PAUSED and bot.status != BotStatus.RUNNING.value:
        raise BotActionError("only a running bot can be paused", "실행 중인 봇만 일시정지할 수 있습니다")
    row = accounts_repo.get_account(engine, bot.account)
    if target is BotStatus.RUNNING and row is not None and row.risk.state.value == "halted":
        raise BotActionError(
            f"the account {bot.account} is HALTED ({row.risk.reason}); resume it first",
            f"계좌가 거래 정지(HALTED) 상태입니다({row.risk.reason}). 먼저 계좌를 재개하세요",
        )
    repo.set_status(engine, bot_id, target, action, username)
    return target.value


def check_promote(engine: Engine, settings: Settings, username: str, bot_id: int, mode: str) -> None:
    """Everything ``promote`` checks except the confirmation (the page asks for it only when the move is
    allowed): ``BotActionError`` with the reason otherwise."""
    bot = _owned(engine, username, bot_id)
    if bot.mode == mode:
        raise BotActionError(f"the bot is already in {mode} mode", f"이미 {mode} 모드입니다")
    if mode == "paper":
        return
    if mode not in ("mock", "real"):
        raise BotActionError("the mode must be paper, mock or real", "모드는 paper, mock, real 중 하나입니다")
    days, need = repo.paper_days(engine, bot_id), settings.bot_paper_days
    if days < need:
        raise BotActionError(
            f"the bot has traded {days} paper day(s); {need} are needed before {mode}",
            f"모의(PAPER) 거래일이 {days}일입니다. {mode} 전환에는 {need}일이 필요합니다",
        )
    if settings.broker == "paper" or settings.broker_env != mode:
        raise BotActionError(
            f"no {mode} broker account is configured (BROKER={settings.broker}, BROKER_ENV={settings.broker_env})",
            f"{mode} 증권사 계좌가 설정되어 있지 않습니다",
        )
    account = broker_account(settings)
    if not accounts_repo.may_trade(engine, username, account):
        raise BotActionError(f"{username} is not bound to {account}", f"{account} 계좌 권한이 없습니다")


def promote(engine: Engine, settings: Settings, username: str, bot_id: int, mode: str, confirm: bool) -> str:
    """Move a bot from paper to the broker's mock or real account: it needs ``BOT_PAPER_DAYS`` paper days,
    a configured broker of that environment, and ``confirm``. Returns the account it trades now."""
    check_promote(engine, settings, username, bot_id, mode)
    if mode == "paper":
        user = _user(engine, username)
        account = accounts_repo.ensure_paper_account(engine, user.id, settings.paper_initial_cash)
        repo.set_mode(engine, bot_id, "paper", account, username)
        return account
    if not confirm:
        raise BotActionError(
            f"moving a bot to {mode} needs an explicit confirmation (--confirm)",
            f"{mode} 전환은 명시적인 확인이 필요합니다",
        )
    account = broker_account(settings)
    repo.set_mode(engine, bot_id, mode, account, username)
    return account


@dataclass(frozen=True)
class BotView:
    """One bot with what /auto and ``gslts bot show`` print."""

    bot: repo.BotSummary
    positions: list[BotPosition]
    orders: list[BotOrder]
    decisions: list[Decision]
    pnl_today: int  # realised today (sells' fills minus their cost), won
    paper_days: int
    comparisons: list[tuple[date, dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.bot.to_dict(),
            "pnl_today": self.pnl_today,
            "paper_days": self.paper_days,
            "positions": [
                {
                    "code": p.code,
                    "qty": p.qty,
                    "avg_price": round(p.avg_price),
                    "cost": p.cost,
                    "entry_time": p.entry_time.isoformat(),
                    "bars_held": p.bars_held,
                    "high_price": p.high_price,
                }
                for p in self.positions
            ],  # fmt: skip
            "orders": [
                {
                    "client_order_id": o.client_order_id,
                    "code": o.code,
                    "side": o.side,
                    "qty": o.qty,
                    "purpose": o.purpose,
                    "state": o.state,
                    "filled_qty": o.filled_qty,
                    "filled_amount": o.filled_amount,
                    "reason": o.reason,
                    "version": o.version,
                    "created_at": o.created_at.isoformat() if o.created_at else None,
                }
                for o in self.orders
            ],  # fmt: skip
            "decisions": [
                {
                    "time": d.time.isoformat(),
                    "kind": d.kind,
                    "code": d.code,
                    "reason": d.reason,
                    "message_ko": d.message_ko,
                    "message_en": d.message_en,
                }
                for d in self.decisions
            ],  # fmt: skip
            "comparisons": [{"day": d.isoformat(), **r} for d, r in self.comparisons],
        }


def realised_today(orders: list[BotOrder], positions: list[BotPosition], today: date) -> int:
    """Today's realised P&L of sells (filled amount minus the entries' average cost, FIFO-free)."""
    start, end = day_range(today)
    buys: dict[str, list[int]] = {}
    for o in sorted(orders, key=lambda o: o.created_at or datetime.min):
        if o.side == "buy" and o.filled_qty:
            b = buys.setdefault(o.code, [0, 0])
            b[0] += o.filled_qty
            b[1] += o.filled_amount
    pnl = 0
    for o in orders:
        if o.side != "sell" or not o.filled_qty or o.created_at is None or not (start <= o.created_at < end):
            continue
        qty, amount = buys.get(o.code, [0, 0])
        avg = amount / qty if qty else 0
        pnl += o.filled_amount - round(avg * o.filled_qty)
    return pnl


def view(engine: Engine, username: str, bot_id: int, today: date, log_limit: int = 200) -> BotView:
    bot = _readable(engine, username, bot_id)
    positions = repo.SqlBotStore(engine).positions(bot_id)
    orders = repo.bot_orders(engine, bot_id, 500)
    return BotView(
        bot, positions, orders[:100], repo.decisions(engine, bot_id, log_limit),
        realised_today(orders, positions, today), repo.paper_days(engine, bot_id), repo.comparisons(engine, bot_id),
    )  # fmt: skip


def list_for(engine: Engine, username: str) -> list[repo.BotSummary]:
    user = _user(engine, username)
    return repo.list_bots(engine, None if user.role in READ_ALL else user.id)


__all__ = ["BotActionError", "BotConfigError", "BotView", "check_promote", "check_strategy", "config_from_run",
           "create", "edit", "list_for", "parse", "promote", "set_status", "view"]  # fmt: skip
