"""Accounts as the owner holds them (``AccountDirectory``), and which account a user trades.

* ``BROKER=paper``: each user trades their own paper account in the owner's market.
* ``BROKER=kis|kiwoom``: users trade the configured broker account when an admin bound it to them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from db.repositories import accounts as repo
from trading.brokers.base import Broker
from trading.brokers.errors import OrderRejected, Reason
from trading.config import Settings
from trading.orders.accounts import TradingAccount
from trading.orders.naming import broker_account
from trading.orders.risk import OrderLimits, RiskStatus
from trading.orders.validation import MarketRules

CACHE_S = 2.0  # a binding, limit or user change reaches an owner within this long


def default_limits(settings: Settings) -> OrderLimits:
    return OrderLimits(settings.order_max_qty, settings.order_max_amount, settings.order_max_per_minute)


class OwnerDirectory:
    """The accounts an owner sends for. ``paper_broker(name)`` builds a paper account's broker view;
    for a broker account ``adapter`` and ``rules`` serve the one configured account."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        paper_broker: Callable[[str], Broker] | None = None,
        paper_rules: MarketRules | None = None,
        adapter: Broker | None = None,
        adapter_rules: MarketRules | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.paper_broker = paper_broker
        self.paper_rules = paper_rules
        self.adapter = adapter
        self.adapter_rules = adapter_rules
        self.defaults = default_limits(settings)
        self._lock = threading.Lock()
        self._accounts: dict[str, tuple[float, TradingAccount]] = {}
        self._rights: dict[tuple[str, str], tuple[float, bool]] = {}

    def account(self, name: str) -> TradingAccount:
        now = time.monotonic()
        with self._lock:
            hit = self._accounts.get(name)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        row = repo.get_account(self.engine, name) if isinstance(name, str) else None
        if row is None:
            raise OrderRejected(Reason.NO_ACCOUNT, str(name)[:40])
        acct = self._build(row, hit[1] if hit else None)
        with self._lock:
            self._accounts[name] = (now, acct)
        return acct

    def _build(self, row: repo.AccountRow, previous: TradingAccount | None) -> TradingAccount:
        acct = self._build_new(row, previous)
        acct.risk = row.risk
        return acct

    def _build_new(self, row: repo.AccountRow, previous: TradingAccount | None) -> TradingAccount:
        limits = row.limits(self.defaults)
        if previous is not None:  # keep the broker view; only the limits and the state may have changed
            previous.limits = limits
            return previous
        if row.broker == "paper" and self.paper_broker is not None and self.paper_rules is not None:
            return TradingAccount(
                row.name, "paper", "paper", self.paper_broker(row.name), self.paper_rules, limits, 0.0
            )
        if (
            self.adapter is not None
            and self.adapter_rules is not None
            and row.name == broker_account(self.settings)
        ):
            return TradingAccount(
                row.name, row.broker, row.env, self.adapter, self.adapter_rules, limits,
                self.settings.reconcile_window_s,
            )  # fmt: skip
        raise OrderRejected(Reason.NO_ACCOUNT, f"{row.name} is not held by this owner")

    def set_risk(self, name: str, status: RiskStatus) -> None:
        """Store ``status`` for account ``name`` and apply it here at once (others within ``CACHE_S``)."""
        repo.set_risk_state(self.engine, name, status)
        with self._lock:
            hit = self._accounts.get(name)
        if hit is not None:
            hit[1].risk = status

    def may_trade(self, username: str, account: str) -> bool:
        key, now = (username, account), time.monotonic()
        with self._lock:
            hit = self._rights.get(key)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        ok = repo.may_trade(self.engine, username, account)
        with self._lock:
            self._rights[key] = (now, ok)
        return ok

    def forget(self) -> None:
        """Drop the caches (after a binding or limit change in this process)."""
        with self._lock:
            self._accounts.clear()
            self._rights.clear()


def account_for_user(engine: Engine, settings: Settings, user_id: int, username: str) -> str | None:
    """The account ``username`` trades: their paper account, or the broker account if bound to them."""
    if settings.broker == "paper":
        return repo.ensure_paper_account(engine, user_id, settings.paper_initial_cash)
    name = broker_account(settings)
    return name if repo.may_trade(engine, username, name) else None
