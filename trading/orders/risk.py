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
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from trading.brokers.errors import OrderRejected, Reason
from trading.orders.context import OrderContext


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """The risk manager's per-account limits (``accounts`` columns); None = off."""

    max_orders_per_day: int | None = None  # orders placed in the session
    max_daily_loss: int | None = None  # won: today's P&L (realised + unrealised) at or below −this halts
    max_stock_pct: float | None = None  # one stock's value after a buy, % of equity
    max_total_pct: float | None = None  # all stocks' value after a buy, % of equity
    cash_reserve: int | None = None  # won a buy never uses

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.max_orders_per_day, self.max_daily_loss, self.max_stock_pct,
                                           self.max_total_pct, self.cash_reserve))  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrderLimits:
    """Per-account 주문 착오방지 limits (``accounts`` columns; settings give the defaults)."""

    max_qty: int  # shares per order
    max_amount: int  # won per order (a market order counts at the last price)
    max_per_minute: int  # orders and modifies per rolling minute (cancels are never limited)
    account: AccountLimits = field(default_factory=AccountLimits)


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the account-level checks read, worked out once per command and only when a limit is set."""

    equity: int  # cash + stock value
    orderable: int
    stock_value: int
    held: dict[str, int]  # code → value held
    pnl_today: int
    orders_today: int


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
    until: date | None = None  # the last session it holds for (the daily loss limit); None = until resumed
    sells_allowed: bool = False  # HALTED by the daily loss limit: reducing sells still pass

    def in_force(self, day: date | None) -> RiskState:
        """The state on ``day``: a halt for the day has lapsed on the next one."""
        if self.until is not None and day is not None and day > self.until:
            return RiskState.ACTIVE
        return self.state


@dataclass(frozen=True, slots=True)
class RiskInput:
    ctx: OrderContext
    action: str  # place | modify | cancel
    qty: int  # shares the command is for (a modify: the new remaining; a cancel: 0)
    amount: int  # won at risk (0 for a cancel)
    limits: OrderLimits
    status: RiskStatus = RiskStatus()
    reduces: Callable[[], bool] = lambda: False  # the command only lowers exposure (worked out on demand)
    side: str = ""  # buy | sell (a place); "" otherwise
    code: str = ""
    day: date | None = None  # the account's session day
    view: Callable[[], AccountView] | None = None  # the account's state, for the account-level limits


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
        state = st.in_force(item.day)
        if state is RiskState.HALTED and not (st.sells_allowed and item.reduces()):
            raise OrderRejected(Reason.HALTED, st.reason or "halted")
        if state is RiskState.REDUCING and not item.reduces():
            raise OrderRejected(Reason.REDUCING_ONLY, st.reason or "reducing")

    def record(self, item: RiskInput) -> None:
        return None


class AccountRisk:
    """The account-level limits: orders per day, the daily loss limit (``DAILY_LOSS``: the gateway then puts
    the account in HALTED for the day, reducing sells still allowed), a cash reserve and exposure per stock
    and in total, as % of equity (buys only)."""

    def check(self, item: RiskInput) -> None:
        lim = item.limits.account
        if item.action == "cancel" or not lim.active or item.view is None:
            return
        v = item.view()
        if lim.max_daily_loss is not None and v.pnl_today <= -lim.max_daily_loss and not item.reduces():
            raise OrderRejected(Reason.DAILY_LOSS, f"{v.pnl_today:,} <= -{lim.max_daily_loss:,}")
        if item.action != "place":
            return
        if lim.max_orders_per_day is not None and v.orders_today >= lim.max_orders_per_day:
            raise OrderRejected(
                Reason.DAILY_ORDERS, f"{v.orders_today} today (limit {lim.max_orders_per_day})"
            )
        if item.side != "buy":
            return
        if lim.cash_reserve is not None and v.orderable - item.amount < lim.cash_reserve:
            raise OrderRejected(
                Reason.CASH_RESERVE, f"{v.orderable - item.amount:,} left < reserve {lim.cash_reserve:,}"
            )
        equity = max(v.equity, 1)
        if lim.max_stock_pct is not None:
            pct = (v.held.get(item.code, 0) + item.amount) * 100 / equity
            if pct > lim.max_stock_pct:
                raise OrderRejected(Reason.EXPOSURE_STOCK, f"{item.code} {pct:.1f}% > {lim.max_stock_pct:g}%")
        if lim.max_total_pct is not None:
            pct = (v.stock_value + item.amount) * 100 / equity
            if pct > lim.max_total_pct:
                raise OrderRejected(Reason.EXPOSURE_TOTAL, f"{pct:.1f}% > {lim.max_total_pct:g}%")

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
