"""The durable order journal: every order, modify and cancel is an intent row, committed before the
broker is called, then closed with its outcome.

States::

    pending ──▶ accepted           the broker has it (order id known)
       │   ├──▶ rejected           refused with a typed reason; nothing at the broker
       │   ├──▶ failed             never left this machine (connection refused, rate limited):
       │   │                       the same client id may be sent again
       │   └──▶ unknown ──▶ accepted | lost
       │                           sent, answer lost: reconciled with the broker's orders, never re-sent
       └── (process killed) ──▶ reconciled like unknown

``(account, client_order_id)`` is unique: the same client id from any process finds the first intent.
An intent is written only while ``fence`` is the account owner's current fencing token, so an owner
that lost its lease can no longer send (``Reason.NOT_OWNER``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from trading.domain import Order


class IntentState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"
    LOST = "lost"

    @property
    def open(self) -> bool:
        """Not settled yet: reconciliation may still find it at the broker."""
        return self in (IntentState.PENDING, IntentState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class NewIntent:
    account: str
    client_order_id: str
    action: str  # place | modify | cancel
    payload: dict[str, Any]
    username: str
    entry: str
    created_at: datetime
    target_order_id: str | None = None  # modify / cancel


@dataclass(slots=True)
class Intent:
    id: int
    account: str
    client_order_id: str
    action: str
    payload: dict[str, Any]
    state: IntentState
    username: str
    entry: str
    created_at: datetime
    updated_at: datetime
    target_order_id: str | None = None
    order_id: str | None = None
    reason: str | None = None
    message: str | None = None
    fence: int | None = None
    result: dict[str, Any] | None = field(default=None)  # the order as accepted (wire-encoded)


class Journal(Protocol):
    def begin(self, new: NewIntent, scope: str | None, fence: int | None) -> tuple[Intent, bool]:
        """Commit ``new`` as ``pending``; ``(intent, True)``. When the account already has this client id:
        ``(existing, False)`` — except a ``failed`` one, which is re-armed as pending: ``(it, True)``.
        ``OrderRejected(NOT_OWNER)`` when ``fence`` is not the current token of ``scope``."""

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
        """Close (or move to ``unknown``) an intent; idempotent."""

    def get(self, account: str, client_order_id: str) -> Intent | None: ...

    def unresolved(self, account: str | None = None) -> list[Intent]:
        """Intents still ``pending`` or ``unknown``, oldest first."""

    def claimed_order_ids(self, account: str, since: datetime) -> set[str]:
        """Broker order ids that accepted intents of ``account`` created since ``since`` already own."""

    def denied(
        self,
        username: str,
        account: str,
        entry: str,
        action: str,
        detail: dict[str, Any],
        notify: bool = True,
    ) -> None:
        """Record a denial in the audit log (nothing else changes)."""
