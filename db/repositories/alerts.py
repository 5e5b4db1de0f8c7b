"""Alerts storage: the outbox (``alert_events``), fan-out into the delivery ledger (``alert_deliveries``),
destinations (webhooks, Telegram chats) with their send lease and pacing, per-user settings, the
notification centre (in-app deliveries and their read marks) and price alerts.

Times are naive KST (``trading.timeconv``). Event sources call ``write_events(conn, ...)`` inside their own
transaction, so an event exists exactly when the fact it reports does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from db.models import (
    Account,
    AccountUser,
    AlertDelivery,
    AlertDestination,
    AlertEventRow,
    AlertSetting,
    PriceAlertRow,
    User,
)
from trading.alerts.events import DEFAULT_MODES, AlertEvent, Channel, EventType, Mode
from trading.timeconv import naive_kst, now_naive_kst

EV, DEST, DLV = AlertEventRow.__table__, AlertDestination.__table__, AlertDelivery.__table__
SET, PA = AlertSetting.__table__, PriceAlertRow.__table__
INAPP_DEST = 0  # destination_id of the in-app (notification centre) deliveries


# --- the outbox -------------------------------------------------------------------------------


def event_row(event: AlertEvent) -> dict[str, Any]:
    return {
        "type": str(event.type), "dedupe_id": event.dedupe_id[:120], "account_id": event.account_id,
        "user_id": event.user_id, "payload": event.payload, "created_at": naive_kst(event.time) or now_naive_kst(),
        "fanned_out": False,
    }  # fmt: skip


def write_events(conn: Connection, events: Iterable[AlertEvent]) -> None:
    """Insert outbox rows on ``conn`` (the caller's transaction). A dedupe id already stored is an error
    here: the caller's fact is being written twice, which its own keys refuse as well."""
    rows = [event_row(e) for e in events]
    if rows:
        conn.execute(insert(EV), rows)


def write_events_once(conn: Connection, events: list[AlertEvent]) -> None:
    """Insert the events whose dedupe id is not stored yet (sources that may write the same fact again)."""
    if not events:
        return
    ids = [e.dedupe_id[:120] for e in events]
    have = set(conn.execute(select(EV.c.dedupe_id).where(EV.c.dedupe_id.in_(ids))).scalars())
    fresh = {e.dedupe_id[:120]: e for e in events if e.dedupe_id[:120] not in have}
    write_events(conn, list(fresh.values()))


def add_event(engine: Engine, event: AlertEvent) -> bool:
    """Store one event on its own (sources without a transaction of their own: health, reports);
    False when its dedupe id is stored already."""
    try:
        with engine.begin() as conn:
            write_events(conn, [event])
    except IntegrityError:
        return False
    return True


# --- fan-out --------------------------------------------------------------------------------------


def _recipients(conn: Connection, rows: list) -> dict[int, set[int]]:  # noqa: ANN001
    """event id -> user ids: the event's user, every user of its account, or (neither) every user for the
    morning report and every admin for the rest (health)."""
    accounts = {r.account_id for r in rows if r.account_id is not None and r.user_id is None}
    by_account: dict[int, set[int]] = {a: set() for a in accounts}
    if accounts:
        a, au = Account.__table__.c, AccountUser.__table__.c
        for r in conn.execute(select(a.id, a.owner_user_id).where(a.id.in_(accounts))):
            if r.owner_user_id is not None:
                by_account[r.id].add(int(r.owner_user_id))
        for r in conn.execute(select(au.account_id, au.user_id).where(au.account_id.in_(accounts))):
            by_account[r.account_id].add(int(r.user_id))
    admins: set[int] = set()
    everyone: set[int] = set()
    if any(r.account_id is None and r.user_id is None for r in rows):
        u = User.__table__.c
        for uid, role in conn.execute(select(u.id, u.role).where(u.disabled == false())):
            everyone.add(int(uid))
            if role == "admin":
                admins.add(int(uid))
    out = {}
    for r in rows:
        if r.user_id is not None:
            out[r.id] = {int(r.user_id)}
        elif r.account_id is not None:
            out[r.id] = by_account.get(r.account_id, set())
        else:  # the morning report is everyone's; health events are the admins'
            out[r.id] = everyone if r.type == EventType.REPORT_READY else admins
    return out


def fan_out(engine: Engine, allowed_chats: frozenset[str] | None = None, limit: int = 200) -> int:
    """Turn outbox events not yet fanned out into deliveries: per recipient and the recipient's mode for
    the type (off: none), an in-app row (delivered at once) and a pending row per enabled destination
    (Telegram chats only when in ``allowed_chats``). Each event is claimed by a conditional update, so two
    dispatchers never fan one out twice. Returns the number of events fanned out."""
    now = now_naive_kst()
    with engine.begin() as conn:
        rows = conn.execute(select(EV).where(EV.c.fanned_out == false()).order_by(EV.c.id).limit(limit)).all()
        rows = [
            r
            for r in rows
            if conn.execute(
                update(EV).where(EV.c.id == r.id, EV.c.fanned_out == false()).values(fanned_out=True)
            ).rowcount
            == 1
        ]
        if not rows:
            return 0
        who = _recipients(conn, rows)
        users = set().union(*who.values())
        modes: dict[tuple[int, str], str] = {}
        dests: dict[int, list] = {u: [] for u in users}
        if users:
            for s in conn.execute(select(SET).where(SET.c.user_id.in_(users))):
                modes[(s.user_id, s.event_type)] = s.mode
            for d in conn.execute(select(DEST).where(DEST.c.user_id.in_(users), DEST.c.enabled.is_(True))):
                if d.kind == Channel.TELEGRAM and (allowed_chats is None or d.chat_id not in allowed_chats):
                    continue
                dests[d.user_id].append(d)
        out = []
        for r in rows:
            default = DEFAULT_MODES.get(r.type, Mode.ON)  # type: ignore[call-overload]
            for user in sorted(who[r.id]):
                mode = modes.get((user, r.type), str(default))
                if mode == Mode.OFF:
                    continue
                base = {"event_id": r.id, "user_id": user, "mode": mode, "attempts": 0, "created_at": now,
                        "next_attempt_at": now, "message_id": None, "last_error": None, "read_at": None}  # fmt: skip
                out.append(base | {"channel": Channel.INAPP.value, "destination_id": INAPP_DEST,
                                   "status": "delivered", "sent_at": now})  # fmt: skip
                out += [
                    base | {"channel": d.kind, "destination_id": d.id, "status": "pending", "sent_at": None}
                    for d in dests[user]
                ]
        if out:
            conn.execute(insert(DLV), out)
    return len(rows)


# --- sending: destinations, leases, deliveries ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Destination:
    id: int
    user_id: int
    kind: str
    name: str
    url: str | None
    chat_id: str | None
    secret_enc: str | None
    enabled: bool
    tokens: float | None
    tokens_at: datetime | None
    last_status: str | None


def _dest(r) -> Destination:  # noqa: ANN001 - a Row of alert_destinations
    return Destination(
        r.id, r.user_id, r.kind, r.name, r.url, r.chat_id, r.secret_enc, bool(r.enabled), r.tokens, r.tokens_at,
        r.last_status,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Due:
    """A pending delivery with its event, as the dispatcher sends it."""

    id: int
    event_id: int
    type: str
    dedupe_id: str
    payload: dict[str, Any]
    time: datetime
    mode: str
    attempts: int
    message_id: str | None
    queued_at: datetime | None = None  # when fan-out made the delivery (wall clock, naive KST)


def due_destinations(engine: Engine, limit: int = 50) -> list[int]:
    """Destinations with a pending delivery due now, not leased, and paced to send now."""
    now = now_naive_kst()
    d, x = DLV.c, DEST.c
    stmt = (
        select(d.destination_id)
        .join(DEST, x.id == d.destination_id)
        .where(d.status == "pending", d.next_attempt_at <= now)
        .where(or_(x.next_send_at.is_(None), x.next_send_at <= now))
        .where(or_(x.lease_until.is_(None), x.lease_until < now))
        .group_by(d.destination_id)
        .order_by(func.min(d.id))
        .limit(limit)
    )
    with engine.connect() as conn:
        return [int(v) for v in conn.execute(stmt).scalars()]


def lease_destination(engine: Engine, dest_id: int, owner: str, lease_s: float) -> Destination | None:
    """Take the destination's send lease (None when someone else holds it or it is not due). A dispatcher
    killed while sending leaves the lease to run out; its deliveries are still pending then."""
    now = now_naive_kst()
    x = DEST.c
    with engine.begin() as conn:
        done = conn.execute(
            update(DEST)
            .where(x.id == dest_id, or_(x.lease_until.is_(None), x.lease_until < now))
            .where(or_(x.next_send_at.is_(None), x.next_send_at <= now))
            .values(lease_owner=owner[:40], lease_until=now + timedelta(seconds=lease_s))
        )
        if done.rowcount != 1:
            return None
        return _dest(conn.execute(select(DEST).where(x.id == dest_id)).one())


def due_deliveries(engine: Engine, dest_id: int, limit: int) -> list[Due]:
    """The destination's due deliveries, oldest first: a message already formed (``message_id`` set: a
    retry) comes back alone, with exactly its rows, so it is resent identical."""
    now = now_naive_kst()
    d, e = DLV.c, EV.c
    cols = (d.id, d.event_id, e.type, e.dedupe_id, e.payload, e.created_at, d.mode, d.attempts, d.message_id,
            d.created_at.label("queued_at"))  # fmt: skip
    base = (
        select(*cols).join(EV, e.id == d.event_id).where(d.destination_id == dest_id, d.status == "pending")
    )
    with engine.connect() as conn:
        first = conn.execute(base.where(d.next_attempt_at <= now).order_by(d.id).limit(1)).first()
        if first is None:
            return []
        if first.message_id is not None:
            rows = conn.execute(base.where(d.message_id == first.message_id).order_by(d.id)).all()
        else:
            rows = conn.execute(
                base.where(d.next_attempt_at <= now, d.message_id.is_(None)).order_by(d.id).limit(limit)
            ).all()
    return [
        Due(
            r.id,
            r.event_id,
            r.type,
            r.dedupe_id,
            r.payload,
            r.created_at,
            r.mode,
            r.attempts,
            r.message_id,
            r.queued_at,
        )
        for r in rows
    ]


def assign_message(engine: Engine, ids: list[int], message_id: str) -> None:
    """Fix the message id of a group of deliveries before the first send (committed)."""
    with engine.begin() as conn:
        conn.execute(
            update(DLV).where(DLV.c.id.in_(ids), DLV.c.message_id.is_(None)).values(message_id=message_id)
        )


@dataclass(frozen=True, slots=True)
class SendRecord:
    """What one send did: the deliveries' new state and the destination's pacing."""

    ids: list[int]
    delivered: bool
    error: str | None = None
    retry_at: datetime | None = None  # None with delivered False: failed for good
    tokens: float | None = None
    next_send_at: datetime | None = None


def record_send(engine: Engine, dest_id: int, owner: str, rec: SendRecord) -> None:
    """Store a send's outcome and release the lease (only if still ours), in one transaction."""
    now = now_naive_kst()
    d, x = DLV.c, DEST.c
    with engine.begin() as conn:
        vals: dict[str, Any] = {
            "attempts": d.attempts + 1,
            "last_error": (rec.error or None) and rec.error[:300],
        }
        if rec.delivered:
            vals |= {"status": "delivered", "sent_at": now}
        elif rec.retry_at is None:
            vals |= {"status": "failed"}
        else:
            vals |= {"next_attempt_at": rec.retry_at}
        conn.execute(update(DLV).where(d.id.in_(rec.ids), d.status == "pending").values(**vals))
        status = "ok" if rec.delivered else (rec.error or "failed")
        conn.execute(
            update(DEST)
            .where(x.id == dest_id, x.lease_owner == owner[:40])
            .values(
                lease_owner=None,
                lease_until=None,
                tokens=rec.tokens,
                tokens_at=now,
                next_send_at=rec.next_send_at,
                last_status=status[:300],
            )  # fmt: skip
        )


def release_destination(engine: Engine, dest_id: int, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(DEST)
            .where(DEST.c.id == dest_id, DEST.c.lease_owner == owner[:40])
            .values(lease_owner=None, lease_until=None)
        )


# --- destinations (the /alerts page, the CLI) ------------------------------------------------------


def add_destination(engine: Engine, user_id: int, kind: Channel, fields: dict[str, str | None]) -> int:
    """A webhook (``name``, ``url``, ``secret_enc``) or Telegram chat (``name``, ``chat_id``) of the user."""
    now = now_naive_kst()
    row = {
        "user_id": user_id,
        "kind": str(kind),
        "enabled": True,
        "created_at": now,
        "name": fields.get("name") or "",
    }
    row |= {k: fields.get(k) for k in ("url", "chat_id", "secret_enc")}
    with engine.begin() as conn:
        return int(conn.execute(insert(DEST).values(**row)).inserted_primary_key[0])


def destinations(
    engine: Engine, user_id: int | None = None, kind: Channel | None = None
) -> list[Destination]:
    stmt = select(DEST).order_by(DEST.c.id)
    if user_id is not None:
        stmt = stmt.where(DEST.c.user_id == user_id)
    if kind is not None:
        stmt = stmt.where(DEST.c.kind == str(kind))
    with engine.connect() as conn:
        return [_dest(r) for r in conn.execute(stmt)]


def get_destination(engine: Engine, dest_id: int) -> Destination | None:
    with engine.connect() as conn:
        r = conn.execute(select(DEST).where(DEST.c.id == dest_id)).first()
    return _dest(r) if r else None


def remove_destination(engine: Engine, user_id: int, dest_id: int) -> bool:
    """Delete the user's destination; its pending deliveries end as failed (the ledger keeps them)."""
    with engine.begin() as conn:
        done = conn.execute(delete(DEST).where(DEST.c.id == dest_id, DEST.c.user_id == user_id)).rowcount
        if done:
            conn.execute(
                update(DLV)
                .where(DLV.c.destination_id == dest_id, DLV.c.status == "pending")
                .values(status="failed", last_error="destination removed")
            )
    return bool(done)


# --- settings ------------------------------------------------------------------------------------


def modes(engine: Engine, user_id: int) -> dict[EventType, Mode]:
    """The user's mode per event type (defaults filled in)."""
    with engine.connect() as conn:
        rows = conn.execute(select(SET.c.event_type, SET.c.mode).where(SET.c.user_id == user_id)).all()
    stored = {r.event_type: r.mode for r in rows}
    return {t: Mode(stored.get(str(t), DEFAULT_MODES[t])) for t in EventType}


def set_mode(engine: Engine, user_id: int, event_type: EventType, mode: Mode) -> None:
    with engine.begin() as conn:
        conn.execute(delete(SET).where(SET.c.user_id == user_id, SET.c.event_type == str(event_type)))
        conn.execute(insert(SET).values(user_id=user_id, event_type=str(event_type), mode=str(mode)))


# --- the notification centre and the ledger --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notification:
    id: int  # the in-app delivery's id: increasing per user (the cursor of ``events_after``)
    event_id: int
    type: str
    dedupe_id: str
    payload: dict[str, Any]
    time: datetime
    mode: str
    read: bool


def _notifications(conn: Connection, where, limit: int, newest_first: bool) -> list[Notification]:  # noqa: ANN001
    d, e = DLV.c, EV.c
    stmt = (
        select(d.id, d.event_id, e.type, e.dedupe_id, e.payload, e.created_at, d.mode, d.read_at)
        .join(EV, e.id == d.event_id)
        .where(d.channel == Channel.INAPP.value, where)
        .order_by(d.id.desc() if newest_first else d.id)
        .limit(limit)
    )
    return [
        Notification(
            r.id, r.event_id, r.type, r.dedupe_id, r.payload, r.created_at, r.mode, r.read_at is not None
        )
        for r in conn.execute(stmt)
    ]


def notifications(engine: Engine, user_id: int, limit: int = 50) -> list[Notification]:
    """The user's newest notifications (the bell's list)."""
    with engine.connect() as conn:
        return _notifications(conn, DLV.c.user_id == user_id, limit, newest_first=True)


def events_after(engine: Engine, user_id: int, after_id: int, limit: int = 100) -> list[Notification]:
    """The user's notifications after the cursor ``after_id`` (oldest first): for a server-sent events
    stream or a poll (the REST API), and the browser notifications of the page."""
    with engine.connect() as conn:
        return _notifications(
            conn, and_(DLV.c.user_id == user_id, DLV.c.id > after_id), limit, newest_first=False
        )


def unread_count(engine: Engine, user_id: int) -> int:
    d = DLV.c
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    d.user_id == user_id, d.channel == Channel.INAPP.value, d.read_at.is_(None)
                )
            ).scalar()
            or 0
        )


def mark_read(engine: Engine, user_id: int, upto_id: int | None = None) -> int:
    """Mark the user's notifications read (all, or up to ``upto_id``); returns how many."""
    d = DLV.c
    cond = and_(d.user_id == user_id, d.channel == Channel.INAPP.value, d.read_at.is_(None))
    if upto_id is not None:
        cond = and_(cond, d.id <= upto_id)
    with engine.begin() as conn:
        return int(conn.execute(update(DLV).where(cond).values(read_at=now_naive_kst())).rowcount)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    event_type: str
    dedupe_id: str
    channel: str
    destination: str
    status: str
    attempts: int
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None


def ledger(engine: Engine, user_id: int | None = None, limit: int = 100) -> list[LedgerRow]:
    """The newest deliveries to webhooks and Telegram (the in-app rows are the notification list)."""
    d, e, x = DLV.c, EV.c, DEST.c
    stmt = (
        select(d, e.type, e.dedupe_id, x.name, x.kind)
        .join(EV, e.id == d.event_id)
        .outerjoin(DEST, x.id == d.destination_id)
        .where(d.channel != Channel.INAPP.value)
        .order_by(d.id.desc())
        .limit(limit)
    )
    if user_id is not None:
        stmt = stmt.where(d.user_id == user_id)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [
        LedgerRow(
            r.id,
            r.type,
            r.dedupe_id,
            r.channel,
            r.name or f"#{r.destination_id}",
            r.status,
            int(r.attempts),
            r.message_id,
            r.created_at,
            r.sent_at,
            r.next_attempt_at,
            r.last_error,
        )  # fmt: skip
        for r in rows
    ]


# --- price alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceAlert:
    id: int
    user_id: int
    code: str
    kind: str
    value: float
    status: str
    created_at: datetime
    fired_at: datetime | None
    fired_price: int | None


def _pa(r) -> PriceAlert:  # noqa: ANN001
    return PriceAlert(
        r.id, r.user_id, r.code, r.kind, float(r.value), r.status, r.created_at, r.fired_at, r.fired_price
    )


def add_price_alert(engine: Engine, user_id: int, code: str, kind: str, value: float) -> int:
    with engine.begin() as conn:
        res = conn.execute(
            insert(PA).values(
                user_id=user_id,
                code=code,
                kind=kind,
                value=value,
                status="active",
                created_at=now_naive_kst(),
            )
        )
        return int(res.inserted_primary_key[0])


def price_alerts(engine: Engine, user_id: int | None = None, active_only: bool = False) -> list[PriceAlert]:
    stmt = select(PA).where(PA.c.status != "deleted").order_by(PA.c.id)
    if user_id is not None:
        stmt = stmt.where(PA.c.user_id == user_id)
    if active_only:
        stmt = stmt.where(PA.c.status == "active")
    with engine.connect() as conn:
        return [_pa(r) for r in conn.execute(stmt)]


def delete_price_alert(engine: Engine, user_id: int, alert_id: int) -> bool:
    with engine.begin() as conn:
        return bool(
            conn.execute(
                update(PA).where(PA.c.id == alert_id, PA.c.user_id == user_id).values(status="deleted")
            ).rowcount
        )


def fire_price_alert(engine: Engine, alert_id: int, price: int, event: AlertEvent) -> bool:
    """Mark the alert fired and write its event, in one transaction; False if it was not active."""
    with engine.begin() as conn:
        done = conn.execute(
            update(PA)
            .where(PA.c.id == alert_id, PA.c.status == "active")
            .values(status="fired", fired_at=naive_kst(event.time), fired_price=price)
        ).rowcount
        if done:
            write_events(conn, [event])
    return bool(done)


def user_ids_by_name(engine: Engine, username: str) -> int | None:
    u = User.__table__.c
    with engine.connect() as conn:
        v = conn.execute(select(u.id).where(u.username == username)).scalar()
    return int(v) if v is not None else None


# --- health ------------------------------------------------------------------------------------------


def last_health_level(engine: Engine, kind: EventType) -> str | None:
    """The level of the newest system-wide event of ``kind`` (health checks), None if there is none."""
    e = EV.c
    stmt = (
        select(e.payload)
        .where(e.type == str(kind), e.user_id.is_(None), e.account_id.is_(None))
        .order_by(e.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        payload = conn.execute(stmt).scalar()
    return (payload or {}).get("level")


def stuck_deliveries(engine: Engine, older_than_s: float) -> int:
    """Pending deliveries created more than ``older_than_s`` ago (a receiver down, a dead dispatcher)."""
    d = DLV.c
    cutoff = now_naive_kst() - timedelta(seconds=older_than_s)
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(d.status == "pending", d.created_at < cutoff)).scalar()
            or 0
        )


def purge(engine: Engine, older_than_days: int) -> int:
    """Delete events (and their deliveries) older than ``older_than_days`` that have nothing pending;
    returns the number of events deleted."""
    cutoff = now_naive_kst() - timedelta(days=older_than_days)
    e, d = EV.c, DLV.c
    pending = select(d.event_id).where(d.status == "pending")
    with engine.begin() as conn:
        old = [
            int(x)
            for x in conn.execute(
                select(e.id)
                .where(e.created_at < cutoff, e.fanned_out.is_(True), e.id.not_in(pending))
                .limit(50_000)
            ).scalars()
        ]
        for i in range(0, len(old), 1000):
            chunk = old[i : i + 1000]
            conn.execute(delete(DLV).where(d.event_id.in_(chunk)))
            conn.execute(delete(EV).where(e.id.in_(chunk)))
    return len(old)


def delivery_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """(channel, status) -> deliveries: for metrics (a growing ``pending``/``failed`` needs a look)."""
    d = DLV.c
    with engine.connect() as conn:
        rows = conn.execute(select(d.channel, d.status, func.count()).group_by(d.channel, d.status)).all()
    return {(r[0], r[1]): int(r[2]) for r in rows}
