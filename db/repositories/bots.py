"""Bots: the only code that builds queries on bots, bot_versions, bot_positions, bot_orders, bot_decisions,
bot_evaluations and bot_comparisons.

``SqlBotStore`` is the runner's ``trading.bots.store.BotStore``; the functions below it serve the /auto
page and ``gslts bot``. Creating a bot stores version 1; an edit stores the next version, and the bot's
orders keep the version they came from. ``claim_evaluation`` inserts (bot, bar): the primary key lets one
evaluation per bot and bar through, whichever process asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.engine import session_scope
from db.models import (
    Bot,
    BotComparison,
    BotDecision,
    BotEvaluation,
    BotVersion,
    User,
)
from db.models import (
    BotOrder as BotOrderRow,
)
from db.models import (
    BotPosition as BotPositionRow,
)
from db.repositories.users import audit
from trading.bots.config import BotConfig, parse_bot
from trading.bots.store import BotOrder, BotPosition, BotRecord, BotStatus, Decision
from trading.timeconv import naive_kst, now_naive_kst

BOTS, VERSIONS, POSITIONS = Bot.__table__, BotVersion.__table__, BotPositionRow.__table__
ORDERS, DECISIONS, EVALS = BotOrderRow.__table__, BotDecision.__table__, BotEvaluation.__table__
COMPARISONS = BotComparison.__table__
OPEN_ORDER_STATES = ("sent", "open", "unknown")


class BotNotFound(LookupError):
    """No such bot (or not the caller's)."""


def stored_config(raw: dict[str, Any]) -> BotConfig:
    """A stored version's config (checked when it was stored; strategies are not looked up again)."""
    return parse_bot(raw, lambda _name, params: dict(params))


def _record(r: Any, config: dict[str, Any]) -> BotRecord:
    return BotRecord(
        int(r.id), r.name, r.username, r.role, r.account, r.mode, int(r.version), BotStatus(r.status),
        stored_config(config), r.status_reason or "", int(r.loss_streak or 0), dict(r.state or {}),
        r.started_at, r.reconciled_at,
    )  # fmt: skip


def _bot_select() -> Any:
    """Every column the runner's records and the page's summaries read: the bot, its owner, its current
    version's config."""
    return (
        select(BOTS, User.username, User.role, VERSIONS.c.config)
        .join(User, User.id == BOTS.c.user_id)
        .join(VERSIONS, and_(VERSIONS.c.bot_id == BOTS.c.id, VERSIONS.c.version == BOTS.c.version))
        .where(BOTS.c.deleted.is_(False))
    )


def _position(r: Any) -> BotPosition:
    return BotPosition(
        int(r.bot_id), r.code, int(r.version), int(r.qty), int(r.cost), r.entry_time, r.entry_bar,
        int(r.bars_held), int(r.high_price), bool(r.protect_armed), r.sl_pct, r.tp_pct, r.hold_bars, r.exiting,
    )  # fmt: skip


def _order(r: Any) -> BotOrder:
    return BotOrder(
        int(r.bot_id), int(r.version), r.client_order_id, r.account, r.code, r.side, int(r.qty), r.purpose,
        r.bar_time, r.signal_price, r.state, r.order_id, int(r.filled_qty), int(r.filled_amount), r.reason,
        r.created_at,
    )  # fmt: skip


def _order_values(o: BotOrder) -> dict[str, Any]:
    return {
        "bot_id": o.bot_id, "version": o.version, "client_order_id": o.client_order_id, "account": o.account,
        "code": o.code, "side": o.side, "qty": o.qty, "purpose": o.purpose, "bar_time": naive_kst(o.bar_time),
        "signal_price": o.signal_price, "state": o.state, "order_id": o.order_id, "filled_qty": o.filled_qty,
        "filled_amount": o.filled_amount, "reason": o.reason,
    }  # fmt: skip


class SqlBotStore:
    """The runner's store (see ``trading.bots.store.BotStore``)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def active_bots(self) -> list[BotRecord]:
        q = _bot_select().where(BOTS.c.status.in_([BotStatus.RUNNING.value, BotStatus.PAUSED.value]))
        with self.engine.connect() as c:
            return [_record(r, r.config) for r in c.execute(q.order_by(BOTS.c.id))]

    def claim_evaluation(self, bot_id: int, bar_time: datetime, mode: str) -> bool:
        return bot_id in self.claim_evaluations([(bot_id, bar_time, mode)])

    def claim_evaluations(self, claims: list[tuple[int, datetime, str]]) -> set[int]:
        """Claim (bot, bar) for each of ``claims`` in one transaction; the bots whose claim went in (a row
        already there — another evaluation had it — is left alone)."""
        won: set[int] = set()
        if not claims:
            return won
        now = now_naive_kst()
        stmt = (
            insert(EVALS)
            .prefix_with("OR IGNORE", dialect="sqlite")
            .prefix_with("IGNORE", dialect="mysql")
            .prefix_with("IGNORE", dialect="mariadb")
        )
        with self.engine.begin() as c:
            for bot_id, bar_time, mode in claims:
                row = {"bot_id": bot_id, "bar_time": naive_kst(bar_time), "mode": mode, "codes": 0, "signals": 0,
                       "evaluated_at": now}  # fmt: skip
                if c.execute(stmt.values(**row)).rowcount == 1:
                    won.add(bot_id)
        return won

    def finish_evaluations(self, rows: list[tuple[int, datetime, int, int, float]]) -> None:
        if not rows:
            return
        with self.engine.begin() as c:
            for bot_id, bar_time, codes, signals, ms in rows:
                key = and_(EVALS.c.bot_id == bot_id, EVALS.c.bar_time == naive_kst(bar_time))
                c.execute(update(EVALS).where(key).values(codes=codes, signals=signals, ms=ms))
                c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(last_bar_at=naive_kst(bar_time)))

    def positions(self, bot_id: int | None = None) -> list[BotPosition]:
        q = select(POSITIONS)
        if bot_id is not None:
            q = q.where(POSITIONS.c.bot_id == bot_id)
        with self.engine.connect() as c:
            return [_position(r) for r in c.execute(q)]

    def write_state(
        self,
        positions: dict[tuple[int, str], BotPosition | None],
        orders: list[BotOrder],
        states: dict[int, tuple[int, dict[str, Any]]] | None = None,
    ) -> None:
        saved = [p for p in positions.values() if p is not None]
        gone = [key for key, p in positions.items() if p is None]
        now = now_naive_kst()
        with self.engine.begin() as c:
            for bot_id, code in gone:
                c.execute(delete(POSITIONS).where(POSITIONS.c.bot_id == bot_id, POSITIONS.c.code == code))
            if saved:
                bots = {p.bot_id for p in saved}
                existing = set(
                    c.execute(
                        select(POSITIONS.c.bot_id, POSITIONS.c.code).where(POSITIONS.c.bot_id.in_(bots))
                    ).all()
                )
                old = [
                    {"k_bot": p.bot_id, "k_code": p.code, **_position_values(p)}
                    for p in saved
                    if (p.bot_id, p.code) in existing
                ]
                new = [
                    {"bot_id": p.bot_id, "code": p.code, **_position_values(p)}
                    for p in saved
                    if (p.bot_id, p.code) not in existing
                ]
                if old:
                    key = and_(
                        POSITIONS.c.bot_id == bindparam("k_bot"), POSITIONS.c.code == bindparam("k_code")
                    )
                    c.execute(update(POSITIONS).where(key), old)
                if new:
                    c.execute(insert(POSITIONS), new)
            if orders:
                rows = [
                    {
                        "k_cid": o.client_order_id,
                        "state": o.state,
                        "order_id": o.order_id,
                        "filled_qty": o.filled_qty,
                        "filled_amount": o.filled_amount,
                        "reason": o.reason,
                        "updated_at": now,
                    }
                    for o in orders
                ]
                c.execute(update(ORDERS).where(ORDERS.c.client_order_id == bindparam("k_cid")), rows)
            for bot_id, (streak, state) in (states or {}).items():
                c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(loss_streak=streak, state=state))

    def add_order(self, order: BotOrder) -> bool:
        return order.client_order_id in self.add_orders([order])

    def add_orders(self, orders: list[BotOrder]) -> set[str]:
        now = now_naive_kst()
        rows: dict[str, dict[str, Any]] = {}
        for o in orders:
            created = naive_kst(o.created_at) if o.created_at is not None else now
            rows.setdefault(o.client_order_id, {**_order_values(o), "created_at": created, "updated_at": now})
        if not rows:
            return set()
        try:
            with self.engine.begin() as c:
                seen = set(
                    c.execute(
                        select(ORDERS.c.client_order_id).where(ORDERS.c.client_order_id.in_(list(rows)))
                    ).scalars()
                )
                fresh = [r for cid, r in rows.items() if cid not in seen]
                if fresh:
                    c.execute(insert(ORDERS), fresh)
            return {r["client_order_id"] for r in fresh}
        except IntegrityError:  # another writer got one in meanwhile: one at a time
            added = set()
            for cid, row in rows.items():
                try:
                    with self.engine.begin() as c:
                        c.execute(insert(ORDERS).values(**row))
                    added.add(cid)
                except IntegrityError:
                    pass
            return added

    def open_orders(self) -> list[BotOrder]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(ORDERS).where(ORDERS.c.state.in_(OPEN_ORDER_STATES)).order_by(ORDERS.c.id)
            )
            return [_order(r) for r in rows]

    def log(self, decisions: list[Decision]) -> None:
        if not decisions:
            return
        rows = [
            {"bot_id": d.bot_id, "time": naive_kst(d.time), "code": d.code, "kind": d.kind, "reason": d.reason,
             "message_ko": d.message_ko[:300], "message_en": d.message_en[:300], "data": d.data}
            for d in decisions
        ]  # fmt: skip
        with self.engine.begin() as c:
            c.execute(insert(DECISIONS), rows)
            _decision_events(c, decisions)  # the alerts outbox: signals, exits and stale-feed alerts

    def set_status(self, bot_id: int, status: BotStatus, reason: str, by: str) -> None:
        set_status(self.engine, bot_id, status, reason, by)

    def heartbeat(self, bot_id: int, last_bar_at: datetime | None, feed_age_s: float | None) -> None:
        values: dict[str, Any] = {"heartbeat_at": now_naive_kst(), "feed_age_s": feed_age_s}
        with self.engine.begin() as c:
            c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(**values))

    def mark_reconciled(self, bot_id: int) -> None:
        with self.engine.begin() as c:
            c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(reconciled_at=now_naive_kst()))


# --- the page and the CLI -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotSummary:
    """A bot as /auto and ``gslts bot list`` show it."""

    id: int
    name: str
    username: str
    account: str
    mode: str
    version: int
    status: str
    status_reason: str
    status_at: datetime | None
    strategy: str
    timeframe: str
    config: dict[str, Any]
    heartbeat_at: datetime | None
    last_bar_at: datetime | None
    feed_age_s: float | None
    loss_streak: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        for k in ("status_at", "heartbeat_at", "last_bar_at", "created_at"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


def create_bot(
    engine: Engine, user_id: int, account: str, config: BotConfig, source: str | None = None
) -> int:
    """Store a new bot (stopped, version 1); returns its id."""
    now = now_naive_kst()
    with session_scope(engine) as s:
        bot = Bot(name=config.name, user_id=user_id, account=account, mode=config.mode, version=1,
                  status=BotStatus.STOPPED.value, created_at=now, status_at=now, loss_streak=0, state={})  # fmt: skip
        s.add(bot)
        s.flush()
        s.add(BotVersion(bot_id=bot.id, version=1, config=config.to_dict(), source=source, created_at=now))
        bot_id = int(bot.id)
    audit(engine, None, "bot.create", {"bot": bot_id, "account": account, "source": source})
    return bot_id


def new_version(engine: Engine, bot_id: int, config: BotConfig, by: str) -> int:
    """Store ``config`` as the bot's next version and make it current; returns the version."""
    now = now_naive_kst()
    with engine.begin() as c:
        current = c.execute(select(func.max(VERSIONS.c.version)).where(VERSIONS.c.bot_id == bot_id)).scalar()
        if current is None:
            raise BotNotFound(str(bot_id))
        version = int(current) + 1
        c.execute(insert(VERSIONS).values(bot_id=bot_id, version=version, config=config.to_dict(),
                                          created_at=now, created_by=by))  # fmt: skip
        c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(version=version, name=config.name))
    audit(engine, by, "bot.edit", {"bot": bot_id, "version": version})
    return version


def set_status(engine: Engine, bot_id: int, status: BotStatus, reason: str, by: str) -> None:
    """Move the bot to ``status``; a start stamps ``started_at`` (the runner then reconciles first)."""
    values: dict[str, Any] = {"status": status.value, "status_reason": reason[:300], "status_by": by[:40],
                              "status_at": now_naive_kst()}  # fmt: skip
    if status is BotStatus.RUNNING:
        values["started_at"] = values["status_at"]
    with engine.begin() as c:
        if c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(**values)).rowcount == 0:
            raise BotNotFound(str(bot_id))


def set_mode(engine: Engine, bot_id: int, mode: str, account: str, by: str) -> None:
    """Move the bot to another mode and account (it is stopped first)."""
    with engine.begin() as c:
        c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(mode=mode, account=account,
                  status=BotStatus.STOPPED.value, status_reason=f"mode {mode}", status_by=by[:40],
                  status_at=now_naive_kst()))  # fmt: skip
    audit(engine, by, "bot.mode", {"bot": bot_id, "mode": mode, "account": account})


def halt_account_bots(engine: Engine, account: str, reason: str, by: str) -> list[int]:
    """The kill switch: every running or paused bot of ``account`` goes HALTED; returns their ids."""
    watched = (BotStatus.RUNNING.value, BotStatus.PAUSED.value)
    with engine.begin() as c:
        ids = [int(r.id) for r in c.execute(select(BOTS.c.id).where(BOTS.c.account == account,
                                                                    BOTS.c.status.in_(watched)))]  # fmt: skip
        if ids:
            c.execute(update(BOTS).where(BOTS.c.id.in_(ids)).values(
                status=BotStatus.HALTED.value, status_reason=reason[:300], status_by=by[:40],
                status_at=now_naive_kst()))  # fmt: skip
    return ids


def delete_bot(engine: Engine, bot_id: int, by: str) -> None:
    """Hide a stopped bot (its orders and log stay for the record)."""
    with engine.begin() as c:
        c.execute(update(BOTS).where(BOTS.c.id == bot_id).values(deleted=True))
    audit(engine, by, "bot.delete", {"bot": bot_id})


def _summary(r: Any) -> BotSummary:
    cfg = dict(r.config)
    return BotSummary(
        int(r.id), r.name, r.username, r.account, r.mode, int(r.version), r.status, r.status_reason or "",
        r.status_at, cfg.get("strategy", ""), cfg.get("timeframe", ""), cfg, r.heartbeat_at, r.last_bar_at,
        r.feed_age_s, int(r.loss_streak or 0), r.created_at,
    )  # fmt: skip


def list_bots(engine: Engine, user_id: int | None = None) -> list[BotSummary]:
    """Bots (of ``user_id``; None = all), oldest first."""
    q = _bot_select()
    if user_id is not None:
        q = q.where(BOTS.c.user_id == user_id)
    with engine.connect() as c:
        return [_summary(r) for r in c.execute(q.order_by(BOTS.c.id))]


def get_bot(engine: Engine, bot_id: int, user_id: int | None = None) -> BotSummary:
    q = _bot_select().where(BOTS.c.id == bot_id)
    if user_id is not None:
        q = q.where(BOTS.c.user_id == user_id)
    with engine.connect() as c:
        r = c.execute(q).first()
    if r is None:
        raise BotNotFound(str(bot_id))
    return _summary(r)


def versions(engine: Engine, bot_id: int) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(select(VERSIONS).where(VERSIONS.c.bot_id == bot_id).order_by(VERSIONS.c.version))
        return [{"version": r.version, "config": r.config, "source": r.source,
                 "created_at": r.created_at.isoformat(), "created_by": r.created_by} for r in rows]  # fmt: skip


def decisions(engine: Engine, bot_id: int, limit: int = 200) -> list[Decision]:
    """The bot's newest decisions first."""
    q = select(DECISIONS).where(DECISIONS.c.bot_id == bot_id).order_by(DECISIONS.c.id.desc()).limit(limit)
    with engine.connect() as c:
        return [Decision(r.bot_id, r.time, r.kind, r.message_ko, r.message_en, r.code, r.reason, r.data)
                for r in c.execute(q)]  # fmt: skip


def bot_orders(engine: Engine, bot_id: int, limit: int = 200) -> list[BotOrder]:
    q = select(ORDERS).where(ORDERS.c.bot_id == bot_id).order_by(ORDERS.c.id.desc()).limit(limit)
    with engine.connect() as c:
        return [_order(r) for r in c.execute(q)]


def orders_between(engine: Engine, bot_id: int, start: datetime, end: datetime) -> list[BotOrder]:
    q = select(ORDERS).where(
        ORDERS.c.bot_id == bot_id, ORDERS.c.created_at >= start, ORDERS.c.created_at < end
    )
    with engine.connect() as c:
        return [_order(r) for r in c.execute(q.order_by(ORDERS.c.id))]


def evaluation_count(engine: Engine, bot_id: int | None = None) -> int:
    q = select(func.count()).select_from(EVALS)
    if bot_id is not None:
        q = q.where(EVALS.c.bot_id == bot_id)
    with engine.connect() as c:
        return int(c.execute(q).scalar() or 0)


def evaluations(engine: Engine, bot_id: int) -> list[tuple[datetime, int, int, float | None]]:
    """(bar time, codes, signals, ms) of the bot's evaluations, oldest first."""
    q = select(EVALS.c.bar_time, EVALS.c.codes, EVALS.c.signals, EVALS.c.ms).where(EVALS.c.bot_id == bot_id)
    with engine.connect() as c:
        return [(r.bar_time, r.codes, r.signals, r.ms) for r in c.execute(q.order_by(EVALS.c.bar_time))]


def paper_days(engine: Engine, bot_id: int) -> int:
    """Distinct session days the bot was evaluated in paper mode."""
    day = func.date(EVALS.c.bar_time)
    q = select(func.count(func.distinct(day))).where(EVALS.c.bot_id == bot_id, EVALS.c.mode == "paper")
    with engine.connect() as c:
        return int(c.execute(q).scalar() or 0)


def save_comparison(engine: Engine, bot_id: int, day: date, result: dict[str, Any]) -> None:
    key = and_(COMPARISONS.c.bot_id == bot_id, COMPARISONS.c.day == day)
    with engine.begin() as c:
        c.execute(delete(COMPARISONS).where(key))
        c.execute(
            insert(COMPARISONS).values(bot_id=bot_id, day=day, result=result, created_at=now_naive_kst())
        )


def comparisons(engine: Engine, bot_id: int, limit: int = 10) -> list[tuple[date, dict[str, Any]]]:
    q = (
        select(COMPARISONS)
        .where(COMPARISONS.c.bot_id == bot_id)
        .order_by(COMPARISONS.c.day.desc())
        .limit(limit)
    )
    with engine.connect() as c:
        return [(r.day, r.result) for r in c.execute(q)]


def bots_with_orders_on(engine: Engine, start: datetime, end: datetime) -> list[int]:
    q = select(ORDERS.c.bot_id).where(ORDERS.c.created_at >= start, ORDERS.c.created_at < end).distinct()
    with engine.connect() as c:
        return sorted(int(r.bot_id) for r in c.execute(q))


def _position_values(pos: BotPosition) -> dict[str, Any]:
    return {
        "version": pos.version, "qty": pos.qty, "cost": pos.cost, "entry_time": naive_kst(pos.entry_time),
        "entry_bar": naive_kst(pos.entry_bar), "bars_held": pos.bars_held, "high_price": pos.high_price,
        "protect_armed": pos.protect_armed, "sl_pct": pos.sl_pct, "tp_pct": pos.tp_pct,
        "hold_bars": pos.hold_bars, "exiting": pos.exiting,
    }  # fmt: skip


_DECISION_EVENTS = {"signal": "bot.signal", "exit": "bot.stop", "alert": "health.feed"}


def _decision_events(c, decisions: list[Decision]) -> None:  # noqa: ANN001 - a Connection
    from db.repositories.alerts import write_events_once
    from trading.alerts.events import AlertEvent, EventType

    wanted = [d for d in decisions if d.kind in _DECISION_EVENTS]
    if not wanted:
        return
    bot_ids = {d.bot_id for d in wanted}
    rows = c.execute(select(BOTS.c.id, BOTS.c.user_id, BOTS.c.name).where(BOTS.c.id.in_(bot_ids))).all()
    owners = {r.id: (r.user_id, r.name) for r in rows}
    events = []
    for i, d in enumerate(wanted):
        user_id, name = owners.get(d.bot_id, (None, ""))
        if user_id is None:
            continue
        payload = {"bot_id": d.bot_id, "bot": name, "code": d.code, "reason": d.reason,
                   "text": f"{name}: {d.message_ko}", "text_en": f"{name}: {d.message_en}"}  # fmt: skip
        dedupe = f"bot:{d.bot_id}:{d.kind}:{naive_kst(d.time):%Y%m%d%H%M%S%f}:{d.code or ''}:{i}"
        events.append(
            AlertEvent(EventType(_DECISION_EVENTS[d.kind]), dedupe, d.time, payload, user_id=user_id)
        )
    write_events_once(c, events)
