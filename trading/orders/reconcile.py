"""Settle an intent whose outcome is unknown by reading the broker's orders — never by sending again.

A place is found by its client order id (the paper exchange keeps it), by the broker order number
when one came back, else by code/side/quantity/type/price inside the submit time window among the
day's orders that no other intent claims. A modify or cancel is settled when the target order shows it.
"""

from __future__ import annotations

from datetime import datetime

from trading.brokers.base import Broker
from trading.brokers.common.reconcile import find_order
from trading.domain import Order, OrderRequest, OrderType, Side
from trading.orders.journal import Intent


def request_of(intent: Intent) -> OrderRequest:
    p = intent.payload
    return OrderRequest(
        p["code"],
        Side(p["side"]),
        int(p["qty"]),
        OrderType(p["type"]),
        p.get("price"),
        intent.client_order_id,
    )


def _same_id(a: str, b: str) -> bool:
    return a.lstrip("0") == b.lstrip("0")


def locate(broker: Broker, intent: Intent, claimed: set[str], window_s: float) -> Order | None:
    """The broker's order that ``intent`` made, or None if the broker does not show it (yet)."""
    sent_at: datetime = intent.created_at
    orders = broker.orders(sent_at.date())
    if intent.action == "place":
        found = next((o for o in orders if o.client_order_id == intent.client_order_id), None)
        if found is None and intent.order_id:
            found = next((o for o in orders if _same_id(o.order_id, intent.order_id)), None)
        if found is None:
            found = find_order(orders, request_of(intent), sent_at, exclude=claimed, window_s=window_s)
        return found
    target = next((o for o in orders if _same_id(o.order_id, intent.target_order_id or "")), None)
    if target is None:
        return None
    p = intent.payload
    if intent.action == "cancel":
        cancelled = not target.status.is_active or (
            p.get("qty") is not None and target.updated_at and target.updated_at >= sent_at
        )
        return target if cancelled else None
    if p.get("price") is not None and target.price == p["price"]:
        return target
    if p.get("qty") is not None and target.qty == p["qty"]:
        return target
    # Brokers that modify by a new order number: the new order carries the new price.
    return next(
        (
            o
            for o in orders
            if o.code == target.code
            and o.order_id not in claimed
            and not _same_id(o.order_id, target.order_id)
            and p.get("price") is not None
            and o.price == p["price"]
            and o.created_at is not None
            and o.created_at >= sent_at
        ),
        None,
    )
