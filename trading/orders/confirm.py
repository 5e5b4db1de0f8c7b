"""One-time confirmation tokens: a live order, or one above ``ORDER_CONFIRM_AMOUNT``, runs only with a
token the gateway issued for that exact order.

A token is ``<expiry>.<HMAC-SHA256>`` over the account, the user, the action, the canonical command
and its client order id. It cannot be forged without the server's secret and matches no other order.
It is one-time by construction: the client order id it is bound to executes once (the journal makes a
second use return the first order, never a second one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from trading.orders.context import OrderContext

DEFAULT_TTL_S = 300.0


class Confirmations:
    def __init__(self, secret: bytes, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.time):
        if not secret:
            raise ValueError("confirmation tokens need a secret")
        self._key = hashlib.sha256(b"gslts-order-confirm\0" + secret).digest()
        self.ttl_s = ttl_s
        self._clock = clock

    def _mac(self, ctx: OrderContext, action: str, payload: dict[str, Any], cid: str, expiry: int) -> str:
        msg = json.dumps(
            [ctx.account, ctx.actor.username, action, payload, cid, expiry], sort_keys=True, default=str
        )
        return hmac.new(self._key, msg.encode(), hashlib.sha256).hexdigest()

    def issue(self, ctx: OrderContext, action: str, payload: dict[str, Any], cid: str) -> str:
        expiry = int(self._clock() + self.ttl_s)
        return f"{expiry}.{self._mac(ctx, action, payload, cid, expiry)}"

    def valid(
        self, token: str | None, ctx: OrderContext, action: str, payload: dict[str, Any], cid: str
    ) -> bool:
        if not token or "." not in token:
            return False
        head, _, mac = token.partition(".")
        if not head.isdigit() or int(head) < self._clock():
            return False
        return hmac.compare_digest(mac, self._mac(ctx, action, payload, cid, int(head)))
