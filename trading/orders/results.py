"""What the gateway answers besides an order: a checked preview, and an intent's status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trading.domain import Order


@dataclass(frozen=True, slots=True)
class Preview:
    """A checked command and what it needs before it may run."""

    action: str
    client_order_id: str
    payload: dict[str, Any]
    amount: int  # won (a market order at the last price)
    confirm: tuple[str, ...]  # why it needs a confirmation: "live", "large"; () = none
    token: str | None  # the one-time confirmation token for exactly this command


@dataclass(frozen=True, slots=True)
class IntentStatus:
    """Where an intent stands (``state`` is an ``IntentState`` value)."""

    client_order_id: str
    action: str
    state: str
    order: Order | None = None
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class RiskReport:
    """An account's risk state (``RiskState`` value) and, after the kill switch, what it cancelled."""

    account: str
    state: str
    reason: str = ""
    by: str = ""
    cancelled: tuple[str, ...] = ()  # order ids
    failed: tuple[str, ...] = ()  # "order id: why" for cancels that did not go through
