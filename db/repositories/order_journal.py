"""SqlJournal: the order gateway's durable journal (``trading.orders.journal.Journal``) on ``order_intents``.

Every write is one transaction. ``begin`` inserts the intent only while the caller's fencing token is
the scope's current one (``INSERT … SELECT … FROM owner_fences WHERE scope = ? AND fence = ?``: the
row and the check are one statement), together with its audit row. Times are stored naive in KST.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, insert, literal, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError

from db.models import Account, AuditLog, OrderIntent, OwnerFence
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.wire import encode
from trading.domain import KST, Order
from trading.orders.journal import Intent, IntentState, NewIntent
from trading.timeconv import as_kst, naive_kst

INTENTS, ACCOUNTS, AUDIT, FENCES = (m.__table__ for m in (OrderIntent, Account, AuditLog, OwnerFence))
OPEN = (IntentState.PENDING.value, IntentState.UNKNOWN.value)
log = logging.getLogger(__name__)


class SqlJournal:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()
        self._cv = threading.Condition()
        self._outbox: dict[int, dict[str, Any]] = {}  # outcomes not written yet, by intent id
        self._writing: dict[int, dict[str, Any]] = {}  # the batch being written
        self._writer: threading.Thread | None = None
        self._closing = False

    # --- accounts ------------------------------------------------------------------------------

    def _account_id(self, name: str) -> int:
        hit = self._ids.get(name)
        if hit is not None:
            return hit
        with self.engine.connect() as conn:
            got = conn.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.name == name)).scalar()
        if got is None:
            raise OrderRejected(Reason.NO_ACCOUNT, name)
        with self._lock:
            self._ids[name] = int(got)
            self._names[int(got)] = name
        return int(got)

    def _account_name(self, account_id: int) -> str:
        hit = self._names.get(account_id)
        if hit is None:
            with self.engine.connect() as conn:
                hit = conn.execute(select(ACCOUNTS.c.name).where(ACCOUNTS.c.id == account_id)).scalar_one()
            with self._lock:
                self._names[account_id] = hit
                self._ids[hit] = account_id
        return hit

    # --- writes --------------------------------------------------------------------------------

    def begin(self, new: NewIntent, scope: str | None, fence: int | None) -> tuple[Intent, bool]:
        account_id = self._account_id(new.account)
        now = naive_kst(new.created_at)
        row: dict[str, Any] = {
            "account_id": account_id,
            "client_order_id": new.client_order_id,
            "action": new.action,
            "target_order_id": new.target_order_id,
            "payload": new.payload,
            "state": IntentState.PENDING.value,
            "fence": fence,
            "username": new.username[:40],
            "entry": new.entry[:8],
            "created_at": now,
            "updated_at": now,
        }
        audit = {
            "time": now,
            "username": new.username[:40],
            "action": f"order.{new.action}",
            "detail": {"account": new.account, "client_order_id": new.client_order_id, "entry": new.entry,
                       **new.payload},
        }  # fmt: skip
        try:
            with self.engine.begin() as conn:
                if scope is None:
                    intent_id = conn.execute(insert(INTENTS).values(row)).inserted_primary_key[0]
                else:
                    cols = list(row)
                    source = select(*(literal(row[c], INTENTS.c[c].type) for c in cols)).where(
                        FENCES.c.scope == scope, FENCES.c.fence == fence
                    )
                    res = conn.execute(insert(INTENTS).from_select(cols, source))
                    if res.rowcount != 1:
                        raise OrderRejected(Reason.NOT_OWNER, f"fencing token {fence} of {scope} is stale")
                    intent_id = res.lastrowid
                conn.execute(insert(AUDIT).values(audit))
        except IntegrityError:
            existing = self.get(new.account, new.client_order_id)
            if existing is None:  # pragma: no cover - a constraint other than the client id
                raise
            if existing.state is IntentState.FAILED and self._rearm(existing, new, scope, fence):
                return self.get(new.account, new.client_order_id) or existing, True
            return existing, False
        intent = Intent(
            id=int(intent_id), account=new.account, client_order_id=new.client_order_id, action=new.action,
            payload=dict(new.payload), state=IntentState.PENDING, username=row["username"], entry=row["entry"],
            created_at=as_kst(now), updated_at=as_kst(now), target_order_id=new.target_order_id, fence=fence,
        )  # fmt: skip
        return intent, True

    def _rearm(self, intent: Intent, new: NewIntent, scope: str | None, fence: int | None) -> bool:
        """A failed intent (never sent) goes back to pending for another send, under the same fence rule."""
        now = naive_kst(new.created_at)
        cond = [INTENTS.c.id == intent.id, INTENTS.c.state == IntentState.FAILED.value]
        if scope is not None:
            current = select(FENCES.c.fence).where(FENCES.c.scope == scope).scalar_subquery()
            cond.append(current == fence)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(INTENTS)
                .where(and_(*cond))
                .values(
                    state=IntentState.PENDING.value, fence=fence, created_at=now, updated_at=now, message=None
                )
            ).rowcount
            if done:
                conn.execute(
                    insert(AUDIT).values(
                        time=now,
                        username=new.username[:40],
                        action=f"order.{new.action}.retry",
                        detail={
                            "account": new.account,
                            "client_order_id": new.client_order_id,
                            "entry": new.entry,
                        },
                    )  # fmt: skip
                )
        return bool(done)

    def finish(
        self,
        intent_id: int,
        state: IntentState,
        *,
        order: Order | None = None,
        reason: str | None = None,
        message: str | None = None,
        now: datetime,
    ) -> None:
        """Queue the outcome; a writer thread commits queued outcomes together (reads here see them at
        once). Lost in a crash, an outcome is found again by reconciling the still-open intent."""
        values: dict[str, Any] = {"state": state.value, "updated_at": naive_kst(now)}
        if order is not None:
            values |= {"order_id": order.order_id, "result": encode(order)}
        if reason is not None:
            values["reason"] = reason[:24]
        if message is not None:
            values["message"] = message[:300]
        with self._cv:
            self._outbox[intent_id] = self._outbox.get(intent_id, {}) | values
            self._start_writer()
            self._cv.notify()

    def _start_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(target=self._write_loop, name="journal-writer", daemon=True)
            self._writer.start()

    def _write_loop(self) -> None:
        delay = 0.05
        while True:
            with self._cv:
                while not self._outbox and not self._closing:
                    self._cv.wait()
                if not self._outbox and self._closing:
                    return
                batch, self._outbox = self._outbox, {}
                self._writing = batch
            try:
                self._write(batch)
                delay = 0.05
            except Exception:  # noqa: BLE001 - the database is away: keep the outcomes, try again
                log.exception("journal: writing %d outcomes failed; retrying", len(batch))
                with self._cv:
                    for k, v in batch.items():  # a newer outcome queued meanwhile wins
                        self._outbox[k] = v | self._outbox.get(k, {})
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with self._cv:
                    self._writing = {}
                    self._cv.notify_all()

    def _write(self, batch: dict[int, dict[str, Any]]) -> None:
        c = INTENTS.c
        rows = [
            {
                "b_id": k, "v_state": v["state"], "v_updated_at": v["updated_at"], "v_order_id": v.get("order_id"),
                "v_result": v.get("result"), "v_reason": v.get("reason"), "v_message": v.get("message"),
            }
            for k, v in batch.items()
        ]  # fmt: skip
        stmt = (
            update(INTENTS)
            # (no IN list: an expanding parameter cannot be used with executemany)
            .where(c.id == bindparam("b_id"), or_(*(c.state == literal_column(f"'{v}'") for v in OPEN)))
            .values(
                state=bindparam("v_state"),
                updated_at=bindparam("v_updated_at"),
                order_id=func.coalesce(bindparam("v_order_id", type_=c.order_id.type), c.order_id),
                result=func.coalesce(bindparam("v_result", type_=c.result.type), c.result),
                reason=func.coalesce(bindparam("v_reason", type_=c.reason.type), c.reason),
                message=func.coalesce(bindparam("v_message", type_=c.message.type), c.message),
            )
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued outcome is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._outbox or self._writing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def close(self) -> None:
        self.flush()
        with self._cv:
            self._closing = True
            self._cv.notify_all()

    def _queued(self) -> dict[int, dict[str, Any]]:
        """The outcomes not yet written, taken BEFORE a read: an outcome queued later is newer than it."""
        with self._cv:
            return {**self._writing, **self._outbox} if (self._writing or self._outbox) else {}

    @staticmethod
    def _overlay(intent: Intent, queued: dict[int, dict[str, Any]]) -> Intent:
        """``intent`` as its queued (possibly not yet written) outcome leaves it."""
        v = queued.get(intent.id)
        if not v or not intent.state.open:
            return intent
        intent.state = IntentState(v["state"])
        intent.updated_at = as_kst(v["updated_at"])
        intent.order_id = v.get("order_id", intent.order_id)
        intent.result = v.get("result", intent.result)
        intent.reason = v.get("reason", intent.reason)
        intent.message = v.get("message", intent.message)
        return intent

    def denied(self, username: str, account: str, entry: str, action: str, detail: dict[str, Any]) -> None:
        try:
            account_id: int | None = self._account_id(account)
        except OrderRejected:  # no such account: audited, no alert (nobody's account)
            account_id = None
        with self.engine.begin() as conn:
            conn.execute(
                insert(AUDIT).values(
                    time=naive_kst(datetime.now(KST)),
                    username=username[:40],
                    action=f"order.{action}.denied",
                    detail={"account": account, "entry": entry, **detail},
                )  # fmt: skip
            )
            if account_id is not None:  # the alerts outbox
                _rejected_event(conn, account_id, account, action, detail)

    # --- reads ---------------------------------------------------------------------------------

    def _intent(self, r) -> Intent:  # noqa: ANN001 - a Row of order_intents
        return Intent(
            id=int(r.id),
            account=self._account_name(int(r.account_id)),
            client_order_id=r.client_order_id,
            action=r.action,
            payload=dict(r.payload or {}),
            state=IntentState(r.state),
            username=r.username,
            entry=r.entry,
            created_at=as_kst(r.created_at),
            updated_at=as_kst(r.updated_at),
            target_order_id=r.target_order_id,
            order_id=r.order_id,
            reason=r.reason,
            message=r.message,
            fence=r.fence,
            result=r.result,
        )

    def get(self, account: str, client_order_id: str) -> Intent | None:
        account_id = self._account_id(account)
        queued = self._queued()
        with self.engine.connect() as conn:
            r = conn.execute(
                select(INTENTS).where(
                    INTENTS.c.account_id == account_id, INTENTS.c.client_order_id == client_order_id
                )
            ).first()
        return self._overlay(self._intent(r), queued) if r is not None else None

    def unresolved(self, account: str | None = None) -> list[Intent]:
        q = select(INTENTS).where(INTENTS.c.state.in_(OPEN)).order_by(INTENTS.c.id)
        if account is not None:
            q = q.where(INTENTS.c.account_id == self._account_id(account))
        queued = self._queued()
        with self.engine.connect() as conn:
            rows = [self._overlay(self._intent(r), queued) for r in conn.execute(q).all()]
        return [i for i in rows if i.state.open]

    def claimed_order_ids(self, account: str, since: datetime) -> set[str]:
        queued = self._queued()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(INTENTS.c.order_id).where(
                    INTENTS.c.account_id == self._account_id(account),
                    INTENTS.c.state == IntentState.ACCEPTED.value,
                    INTENTS.c.created_at >= naive_kst(since),
                    INTENTS.c.order_id.is_not(None),
                )
            ).scalars()
            claimed = {str(x) for x in rows}
        return claimed | {str(v["order_id"]) for v in queued.values() if v.get("order_id")}

    def recent(self, account: str, limit: int = 50) -> list[Intent]:
        """The account's latest intents, newest first (the account page, ``gslts orders --intents``)."""
        queued = self._queued()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(INTENTS)
                .where(INTENTS.c.account_id == self._account_id(account))
                .order_by(INTENTS.c.id.desc())
                .limit(limit)
            ).all()
        return [self._overlay(self._intent(r), queued) for r in rows]


def _rejected_event(conn, account_id: int, account: str, action: str, detail: dict[str, Any]) -> None:  # noqa: ANN001
    """``order.rejected`` for a refused order, modify or cancel (validation, risk, the broker)."""
    import uuid

    from db.repositories.alerts import write_events
    from trading.alerts.events import AlertEvent, EventType

    payload = {"account": account, "action": action, **detail,
               "reject_code": detail.get("reason"), "reject_message": detail.get("detail")}  # fmt: skip
    event = AlertEvent(
        EventType.ORDER_REJECTED, f"order.rejected:{uuid.uuid4().hex}", datetime.now(KST), payload, account_id
    )
    write_events(conn, [event])
