"""What the runner needs from the process it runs in: a live feed and the accounts (``services/bots.py``
wires the paper market or a broker feed, and the owner's account reads)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from trading.domain import Bar, Order, Tick


class LiveFeed(Protocol):
    def now(self) -> datetime:
        """The market's time (KST-aware; the demo clock in the demo market)."""

    def is_open(self) -> bool:
        """The regular session is on (orders can trade, a quiet feed means trouble)."""

    def watch(self, codes: frozenset[str], on_tick: Callable[[Tick], None]) -> None:
        """Deliver the ticks of ``codes`` (replacing the codes watched before) to ``on_tick``."""

    def on_pulse(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the market's time moved (after each market step, or on a timer)."""

    def close(self) -> None: ...


class AccountPort(Protocol):
    def order(self, account: str, order_id: str) -> Order | None: ...

    def holdings(self, account: str) -> dict[str, int]:
        """Shares held per code."""

    def equity(self, account: str) -> int:
        """Cash plus stock value, won."""

    def halted(self, account: str) -> str | None:
        """Why the account is HALTED (the kill switch, the daily loss limit), or None."""

    def history(self, code: str, minutes: int) -> list[Bar]:
        """Today's bars of ``minutes`` so far, the one still forming included (0 = daily bars up to the last
        session)."""
