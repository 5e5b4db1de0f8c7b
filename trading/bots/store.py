"""What the bot runner keeps in the database, as plain records, and the store interface it writes through
(``db/repositories/bots.py`` implements it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from trading.bots.config import BotConfig


class BotStatus(StrEnum):
    STOPPED = "stopped"  # not trading; its positions stay in the account
    RUNNING = "running"
    PAUSED = "paused"  # no new entries; exits are still watched
    HALTED = "halted"  # stopped by the risk manager, the kill switch or a reconcile mismatch

    @property
    def watched(self) -> bool:
        """The runner evaluates the bot and watches its exits."""
        return self in (BotStatus.RUNNING, BotStatus.PAUSED)


FINAL_ORDER_STATES = ("filled", "done", "rejected", "failed")


@dataclass(frozen=True, slots=True)
class BotRecord:
    id: int
    name: str
    username: str
    role: str
    account: str
    mode: str
    version: int
    status: BotStatus
    config: BotConfig
    status_reason: str = ""
    loss_streak: int = 0
    state: dict[str, Any] = field(default_factory=dict)  # {"cooldowns": {code: iso bar time}}
    started_at: datetime | None = None
    reconciled_at: datetime | None = None


@dataclass(slots=True)
class BotPosition:
    """The bot's part of a holding. ``cost`` is what its entry fills cost (won, before fees)."""

    bot_id: int
    code: str
    version: int
    qty: int
    cost: int
    entry_time: datetime
    entry_bar: datetime | None = None
    bars_held: int = 0
    high_price: int = 0
    protect_armed: bool = False
    sl_pct: float | None = None  # the strategy's own stop / target for this entry (fractions × 100)
    tp_pct: float | None = None
    hold_bars: int | None = None
    exiting: str | None = None  # client order id of the exit order under way

    @property
    def avg_price(self) -> float:
        return self.cost / self.qty if self.qty else 0.0


@dataclass(slots=True)
class BotOrder:
    bot_id: int
    version: int
    client_order_id: str
    account: str
    code: str
    side: str  # buy | sell
    qty: int
    purpose: str  # entry | signal | stop_loss | take_profit | trailing | protect | time | stale
    bar_time: datetime | None = None
    signal_price: int | None = None
    state: str = "sent"  # sent | open | filled | done | rejected | failed | unknown
    order_id: str | None = None
    filled_qty: int = 0
    filled_amount: int = 0
    reason: str | None = None
    created_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_ORDER_STATES


@dataclass(frozen=True, slots=True)
class Decision:
    """One line of a bot's decision log."""

    bot_id: int
    time: datetime
    kind: str  # signal | denied | order | fill | exit | alert | state | skip
    message_ko: str
    message_en: str
    code: str | None = None
    reason: str | None = None
    data: dict[str, Any] | None = None


class BotStore(Protocol):
    def active_bots(self) -> list[BotRecord]: ...
    def claim_evaluation(self, bot_id: int, bar_time: datetime, mode: str) -> bool: ...
    def claim_evaluations(self, claims: list[tuple[int, datetime, str]]) -> set[int]:
        """Claim (bot, bar) for each of ``claims`` at once; the bot ids whose claim went in."""

    def finish_evaluations(self, rows: list[tuple[int, datetime, int, int, float]]) -> None:
        """(bot, bar, codes, signals, ms) of the evaluations just done, in one transaction."""

    def positions(self, bot_id: int | None = None) -> list[BotPosition]: ...
    def write_state(
        self, positions: dict[tuple[int, str], BotPosition | None], orders: list[BotOrder]
    ) -> None:
        """Save (or, for None, delete) the positions keyed (bot, code) and update the orders' states, in
        one transaction."""

    def add_order(self, order: BotOrder) -> bool: ...
    def open_orders(self) -> list[BotOrder]: ...
    def log(self, decisions: list[Decision]) -> None: ...
    def set_status(self, bot_id: int, status: BotStatus, reason: str, by: str) -> None: ...
    def heartbeat(self, bot_id: int, last_bar_at: datetime | None, feed_age_s: float | None) -> None: ...
    def mark_reconciled(self, bot_id: int) -> None: ...
