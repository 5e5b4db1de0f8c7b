"""Who sends an order, from where, for which account: the context every gateway call carries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class EntryPoint(StrEnum):
    """Where an order, modify or cancel came from (recorded with every intent and audit row)."""

    PAGE = "page"
    CLI = "cli"
    JOB = "job"
    BOT = "bot"
    API = "api"


class Role(StrEnum):
    VIEWER = "viewer"  # reads only: never places, modifies or cancels
    TRADER = "trader"
    ADMIN = "admin"  # trader + user/account administration

    @property
    def can_trade(self) -> bool:
        return self is not Role.VIEWER


@dataclass(frozen=True, slots=True)
class Actor:
    username: str
    role: Role = Role.TRADER


@dataclass(frozen=True, slots=True)
class OrderContext:
    """``account`` is an ``accounts.name`` (``paper-u1``, ``kis-real-12345678-01``); ``confirm_token`` is the
    one-time token the gateway issued for this exact order (live and large orders need one)."""

    actor: Actor
    account: str
    entry: EntryPoint
    confirm_token: str | None = None

    def confirmed(self, token: str | None) -> OrderContext:
        return replace(self, confirm_token=token)
