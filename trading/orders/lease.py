"""Ownership of an account (or of the paper market) as a lease with a fencing token.

Exactly one process holds a scope's lease: a file lock in embedded mode, a Redis lease in full mode
(``services/ownership.py``). Its fencing token comes from a database counter that only grows, and the
journal and the paper store write only while the token is the current one, so a paused or partitioned
former owner cannot send (``Reason.NOT_OWNER``).
"""

from __future__ import annotations

from typing import Protocol

from trading.brokers.errors import OrderRejected, Reason


class Lease(Protocol):
    scope: str  # "market" (the paper market) or "broker:<account name>"
    token: int  # the fencing token

    def check(self) -> None:
        """Raise ``OrderRejected(NOT_OWNER)`` unless the lease is still held."""


class NoLease:
    """For a process that owns nothing: every send is refused."""

    scope = ""
    token = 0

    def __init__(self, why: str = "this process does not own the account"):
        self.why = why

    def check(self) -> None:
        raise OrderRejected(Reason.NOT_OWNER, self.why)


class HeldLease:
    """A lease that cannot be lost (tests, and owners whose lock lives as long as the process)."""

    def __init__(self, scope: str, token: int):
        self.scope = scope
        self.token = token

    def check(self) -> None:
        return None
