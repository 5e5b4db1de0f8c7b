"""Alert event types, the per-user modes and the event record written to the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from trading.domain import Fill, Order, OrderStatus


class EventType(StrEnum):
    ORDER_ACCEPTED = "order.accepted"
    ORDER_REJECTED = "order.rejected"
    ORDER_FILLED = "order.filled"
    STOP_FIRED = "bot.stop"
    BOT_SIGNAL = "bot.signal"
    RISK_STATE = "risk.state"
    KILL_SWITCH = "risk.kill"
    REPORT_READY = "report.ready"
    PRICE_ALERT = "price.alert"
    FEED_HEALTH = "health.feed"
    RECORDER_HEALTH = "health.recorder"
    SYSTEM_HEALTH = "health.system"


class Mode(StrEnum):
    """A user's setting per event type: ``on`` (every channel, browser notification, Telegram with sound),
    ``silent`` (every channel, no browser notification, Telegram without sound, webhooks ``silent``),
    ``off`` (nothing, not even the notification centre)."""

    ON = "on"
    SILENT = "silent"
    OFF = "off"


# Defaults where a user has not chosen: order acceptances are frequent and expected, so silent.
DEFAULT_MODES: dict[EventType, Mode] = {t: Mode.ON for t in EventType} | {
    EventType.ORDER_ACCEPTED: Mode.SILENT
}


class Channel(StrEnum):
    INAPP = "inapp"
    WEBHOOK = "webhook"
    TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One outbox row. ``dedupe_id`` is unique: the same fact written twice is one event, and receivers
    dedupe deliveries by the message id derived from it. ``account_id`` events go to every user of the
    account; ``user_id`` events to that user only; neither (health) to every admin."""

    type: EventType
    dedupe_id: str
    time: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    account_id: int | None = None
    user_id: int | None = None


def fill_event(fill: Fill, account_id: int) -> AlertEvent:
    """The ``order.filled`` event of one execution."""
    payload = {
        "fill_id": fill.fill_id, "order_id": fill.order_id, "code": fill.code, "side": str(fill.side),
        "price": fill.price, "qty": fill.qty, "commission": fill.commission, "tax": fill.tax,
    }  # fmt: skip
    return AlertEvent(EventType.ORDER_FILLED, f"fill:{fill.fill_id}", fill.time, payload, account_id)


def order_event(order: Order, account_id: int) -> AlertEvent | None:
    """``order.accepted`` or ``order.rejected`` of a new order (None for any other status)."""
    if order.status == OrderStatus.REJECTED:
        kind = EventType.ORDER_REJECTED
    elif order.status in (OrderStatus.OPEN, OrderStatus.PARTIAL, OrderStatus.FILLED):
        kind = EventType.ORDER_ACCEPTED
    else:
        return None
    payload = {
        "order_id": order.order_id, "code": order.code, "side": str(order.side),
        "order_type": str(order.order_type), "price": order.price, "qty": order.qty,
        "client_order_id": order.client_order_id, "reject_code": order.reject_code,
        "reject_message": order.reject_message,
    }  # fmt: skip
    return AlertEvent(
        kind, f"{kind}:{order.order_id}", order.created_at or order.updated_at, payload, account_id
    )  # type: ignore[arg-type]
