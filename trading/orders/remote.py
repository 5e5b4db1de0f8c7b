"""The gateway as seen from a process that does not own the account: the same interface, each call
sent to the owner's ``LocalGateway`` with a deadline.

A client order id is chosen here, before sending, so a caller whose wait runs out is told
``OrderPending`` ("결과 확인 중") and can ask ``status`` for that id: the owner either ran it (the journal
has it) or discarded it unseen after the deadline — it never runs later.
"""

from __future__ import annotations

from typing import Any

from trading.brokers.errors import OrderPending
from trading.brokers.rpc import RpcTimeout, Transport, call
from trading.domain import Order, OrderRequest
from trading.orders.commands import Cancel, Command, Modify, new_client_id, with_client_id
from trading.orders.context import OrderContext
from trading.orders.results import IntentStatus, Preview, RiskReport


class RemoteGateway:
    def __init__(self, transport: Transport, timeout_s: float = 5.0):
        self.transport = transport
        self.timeout_s = timeout_s

    def _send(self, action: str, ctx: OrderContext, cid: str | None, **params: Any) -> Any:
        try:
            return call(
                self.transport, f"gateway.{action}", {"ctx": ctx, **params}, ctx.account, self.timeout_s
            )
        except RpcTimeout as err:
            if cid is None:
                raise
            raise OrderPending(cid, str(err)) from err

    @staticmethod
    def _ensure_cid(cmd: Command) -> Command:
        return cmd if cmd.client_order_id else with_client_id(cmd, new_client_id())

    def prepare(self, cmd: Command, ctx: OrderContext) -> Preview:
        return self._send("prepare", ctx, None, cmd=self._ensure_cid(cmd))

    def place(self, req: OrderRequest, ctx: OrderContext) -> Order:
        req = self._ensure_cid(req)  # type: ignore[assignment]
        return self._send("place", ctx, req.client_order_id, cmd=req)

    def modify(self, cmd: Modify, ctx: OrderContext) -> Order:
        cmd = self._ensure_cid(cmd)  # type: ignore[assignment]
        return self._send("modify", ctx, cmd.client_order_id, cmd=cmd)

    def cancel(self, cmd: Cancel, ctx: OrderContext) -> Order:
        cmd = self._ensure_cid(cmd)  # type: ignore[assignment]
        return self._send("cancel", ctx, cmd.client_order_id, cmd=cmd)

    def status(self, ctx: OrderContext, client_order_id: str) -> IntentStatus | None:
        return self._send("status", ctx, None, client_order_id=client_order_id)

    def risk_state(self, ctx: OrderContext) -> RiskReport:
        return self._send("risk_state", ctx, None)

    def set_risk_state(self, ctx: OrderContext, state: str, reason: str = "") -> RiskReport:
        return self._send("set_risk_state", ctx, None, state=state, reason=reason)

    def kill(self, ctx: OrderContext, reason: str = "") -> RiskReport:
        return self._send("kill", ctx, None, reason=reason)
