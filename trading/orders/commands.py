"""The three things a gateway does to an account, as plain values with a canonical form.

The canonical payload is what the journal stores and what a confirmation token is bound to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from trading.domain import OrderRequest


@dataclass(frozen=True, slots=True)
class Modify:
    order_id: str
    price: int | None = None
    qty: int | None = None  # the new total quantity (filled shares included)
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: str
    qty: int | None = None  # shares of the remainder to cancel; None = all
    client_order_id: str | None = None


Command = OrderRequest | Modify | Cancel


def action_of(cmd: Command) -> str:
    return "place" if isinstance(cmd, OrderRequest) else "modify" if isinstance(cmd, Modify) else "cancel"


def payload(cmd: Command) -> dict[str, Any]:
    """JSON-safe canonical form (the client order id is kept separately)."""
    if isinstance(cmd, OrderRequest):
        return {
            "code": cmd.code,
            "side": str(getattr(cmd.side, "value", cmd.side)),
            "qty": cmd.qty,
            "type": str(getattr(cmd.order_type, "value", cmd.order_type)),
            "price": cmd.price,
        }
    if isinstance(cmd, Modify):
        return {"order_id": cmd.order_id, "price": cmd.price, "qty": cmd.qty}
    return {"order_id": cmd.order_id, "qty": cmd.qty}


def client_id_of(cmd: Command) -> str | None:
    return cmd.client_order_id


def new_client_id() -> str:
    return uuid.uuid4().hex


def with_client_id(cmd: Command, cid: str) -> Command:
    """``cmd`` carrying client order id ``cid``."""
    if isinstance(cmd, OrderRequest):
        return OrderRequest(cmd.code, cmd.side, cmd.qty, cmd.order_type, cmd.price, cid)
    if isinstance(cmd, Modify):
        return Modify(cmd.order_id, cmd.price, cmd.qty, cid)
    return Cancel(cmd.order_id, cmd.qty, cid)
