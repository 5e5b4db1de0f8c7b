"""Exits watched on live prices: stop-loss, take-profit, trailing stop and 이익보존 (profit protection with
hysteresis). Pure functions over a ``BotPosition``; the runner calls them on every tick of a held stock."""

from __future__ import annotations

from trading.bots.config import Exits
from trading.bots.store import BotPosition

EPS = 1e-9  # percent: a price exactly at a level counts (10,100 on 10,000 is +1%, not +1.0000000000000009%)

EXIT_TEXT: dict[str, tuple[str, str]] = {
    "signal": ("전략 매도 신호", "strategy exit signal"),
    "stop_loss": ("손절", "stop-loss"),
    "take_profit": ("익절", "take-profit"),
    "trailing": ("추적 손절", "trailing stop"),
    "protect": ("이익보존", "profit protection"),
    "time": ("보유 기간 만료", "time exit"),
    "stale": ("시세 끊김 청산", "stale-feed exit"),
}


def gain_pct(pos: BotPosition, price: int) -> float:
    avg = pos.avg_price
    return (price / avg - 1.0) * 100.0 if avg > 0 else 0.0


def mark(pos: BotPosition, exits: Exits, price: int) -> bool:
    """Update the high-water mark and arm 이익보존; True when something changed."""
    changed = False
    if price > pos.high_price:
        pos.high_price = price
        changed = True
    arm = exits.protect_arm_pct
    if arm is not None and not pos.protect_armed and gain_pct(pos, price) >= arm - EPS:
        pos.protect_armed = True
        changed = True
    return changed


def exit_reason(pos: BotPosition, exits: Exits, price: int) -> str | None:
    """Which exit ``price`` triggers for ``pos`` (after ``mark``), or None. The strategy's own stop and
    target for the entry take precedence over the bot's."""
    g = gain_pct(pos, price)
    sl = pos.sl_pct if pos.sl_pct is not None else exits.stop_loss_pct
    if sl is not None and g <= -sl + EPS:
        return "stop_loss"
    tp = pos.tp_pct if pos.tp_pct is not None else exits.take_profit_pct
    if tp is not None and g >= tp - EPS:
        return "take_profit"
    trail = exits.trailing_pct
    if trail is not None and pos.high_price > 0 and price <= pos.high_price * (1 - trail / 100.0):
        return "trailing"
    if pos.protect_armed and exits.protect_floor_pct is not None and g <= exits.protect_floor_pct + EPS:
        return "protect"
    return None
