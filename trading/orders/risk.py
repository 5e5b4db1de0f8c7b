"""The gateway's risk stage: a chain of checks every order, modify and cancel passes after validation.

It holds the account's risk state (ACTIVE; REDUCING: only orders that reduce exposure; HALTED: only
cancels — the kill switch sets it, only an explicit resume clears it) and the per-account pre-trade limits
(max quantity and amount per order, max orders per minute). The automatic-trading risk manager (loss
limits, exposure) plugs in as more ``RiskCheck``s in the same chain, for bot, manual and API orders alike.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from trading.brokers.errors import OrderRejected, Reason
from trading.orders.context import OrderContext


@dataclass(frozen=True, slots=True)
class OrderLimits:
    """Per-account 주문 착오방지 limits (``accounts`` columns; settings give the defaults)."""

    max_qty: int  # shares per order
    max_amount: int  # won per order (a market order counts at the last price)
    max_per_minute: int  # orders and modifies per rolling minute (cancels are never limited)


class RiskState(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"  # only orders that reduce exposure (sells within the shares held), and cancels
    HALTED = "halted"  # only cancels


@dataclass(frozen=True, slots=True)
class RiskStatus:
    """An account's risk state, why, and who set it (``accounts`` columns)."""

    state: RiskState = RiskState.ACTIVE
    reason: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class RiskInput:
    ctx: OrderContext
    action: str  # place | modify | cancel
    qty: int  # shares the command is for (a modify: the new remaining; a cancel: 0)
    amount: int  # won at risk (0 for a cancel)
    limits: OrderLimits
    status: RiskStatus = RiskStatus()
    reduces: bool = False  # the command only lowers exposure (worked out only while REDUCING)


class RiskCheck(Protocol):
    def check(self, item: RiskInput) -> None:
        """Raise ``OrderRejected`` with a typed reason to deny; return to allow."""

    def record(self, item: RiskInput) -> None:
        """The command was journaled (it counts now, whatever the broker says)."""


class StateRisk:
    """The account's state: HALTED lets only cancels through, REDUCING only cancels and reducing orders."""

    def check(self, item: RiskInput) -> None:
        if item.action == "cancel":
            return
        st = item.status
        if st.state is RiskState.HALTED:
            raise OrderRejected(Reason.HALTED, st.reason or "halted")
        if st.state is RiskState.REDUCING and not item.reduces:
            raise OrderRejected(Reason.REDUCING_ONLY, st.reason or "reducing")

    def record(self, item: RiskInput) -> None:
        return None


class LimitsRisk:
    """Max quantity and amount per order, and max orders per rolling minute, per account."""

    WINDOW_S = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    def check(self, item: RiskInput) -> None:
        if item.action == "cancel":
            return
        lim = item.limits
        if item.qty > lim.max_qty:
            raise OrderRejected(Reason.MAX_QTY, f"{item.qty:,} > {lim.max_qty:,}")
        if item.amount > lim.max_amount:
            raise OrderRejected(Reason.MAX_AMOUNT, f"{item.amount:,} > {lim.max_amount:,}")
        with self._lock:
            n = len(self._window(item.ctx.account))
        if n >= lim.max_per_minute:
            raise OrderRejected(Reason.ORDER_RATE, f"{n} in the last minute (limit {lim.max_per_minute})")

    def record(self, item: RiskInput) -> None:
        if item.action == "cancel":
            return
        with self._lock:
            self._window(item.ctx.account).append(self._clock())

    def _window(self, account: str) -> deque[float]:
        q = self._recent.setdefault(account, deque())
        cutoff = self._clock() - self.WINDOW_S
        while q and q[0] <= cutoff:
            q.popleft()
        return q


class RiskChain:
    """Runs its checks in order; the first denial wins."""

    def __init__(self, checks: Sequence[RiskCheck]):
        self.checks = list(checks)

    def check(self, item: RiskInput) -> None:
        for c in self.checks:
            c.check(item)

    def record(self, item: RiskInput) -> None:
        for c in self.checks:
            c.record(item)
