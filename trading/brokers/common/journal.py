"""What this process sent: orders by client id and sends whose outcome is still unknown."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from trading.domain import Order, OrderRequest


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """A sent order whose answer was lost; reconcile it, never re-send it."""

    request: OrderRequest
    sent_at: datetime


class OrderJournal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_client: dict[str, Order] = {}
        self._known: set[str] = set()
        self._client_by_order: dict[str, str] = {}
        self._pending: dict[str, PendingOrder] = {}  # key: client id or a generated one

    def known_ids(self) -> set[str]:
        with self._lock:
            return set(self._known)

    def by_client(self, client_order_id: str | None) -> Order | None:
        if not client_order_id:
            return None
        with self._lock:
            return self._by_client.get(client_order_id)

    def record(self, order: Order, client_order_id: str | None = None) -> Order:
        with self._lock:
            self._known.add(order.order_id)
            cid = client_order_id or order.client_order_id
            if cid:
                order.client_order_id = cid
                self._by_client[cid] = order
                self._client_by_order[order.order_id] = cid
                self._pending.pop(cid, None)
        return order

    def client_id_for(self, order_id: str) -> str | None:
        with self._lock:
            return self._client_by_order.get(order_id)

    def mark_pending(self, req: OrderRequest, sent_at: datetime) -> str:
        """Remember an unanswered send; returns its key (the client id when there is one)."""
        with self._lock:
            key = req.client_order_id or f"unknown-{sent_at.isoformat()}-{req.code}-{req.side}-{req.qty}"
            self._pending[key] = PendingOrder(req, sent_at)
            return key

    def pending(self, client_order_id: str | None = None) -> list[tuple[str, PendingOrder]]:
        with self._lock:
            if client_order_id is not None:
                item = self._pending.get(client_order_id)
                return [(client_order_id, item)] if item else []
            return list(self._pending.items())

    def resolve(self, key: str, order: Order) -> None:
        with self._lock:
            self._pending.pop(key, None)
        self.record(order, order.client_order_id)
