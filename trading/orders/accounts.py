"""What the gateway knows about an account it sends orders for, and who may use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from trading.brokers.base import Broker
from trading.orders.risk import OrderLimits, RiskStatus
from trading.orders.validation import MarketRules


@dataclass(slots=True)
class TradingAccount:
    """One account as its owner process holds it: the broker (adapter or paper view), the rules its
    orders are validated against, its limits. ``env`` is ``paper``, ``mock`` (a broker's 모의투자) or
    ``real``; only ``real`` moves money."""

    name: str
    broker_kind: str  # paper | kis | kiwoom
    env: str  # paper | mock | real
    broker: Broker
    rules: MarketRules
    limits: OrderLimits
    listing_lag_s: float = 120.0  # how long a sent order may take to show in the broker's order list
    risk: RiskStatus = RiskStatus()  # ACTIVE / REDUCING / HALTED (the kill switch), from the database

    @property
    def live(self) -> bool:
        return self.env == "real"


class AccountDirectory(Protocol):
    def account(self, name: str) -> TradingAccount:
        """The account the gateway may send for; ``OrderRejected(NO_ACCOUNT)`` when there is none."""

    def may_trade(self, username: str, account: str) -> bool:
        """True when ``account`` is the user's own paper account or a broker account bound to them."""

    def set_risk(self, name: str, status: RiskStatus) -> None:
        """Store the account's risk state and apply it at once."""

    def names(self) -> list[str]:
        """Accounts this owner holds (the reconciler walks them)."""
