"""Use a broker owned by another process: a dispatcher on the owner's side, ``RpcBroker`` on the client's.

The transport (Redis list or local HTTP) only moves ``{"method", "params"}`` requests and
``{"result"}`` / ``{"error"}`` replies; typed errors survive the trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from trading.brokers import errors
from trading.brokers.base import Broker, Channel, Subscription
from trading.brokers.wire import decode, encode
from trading.domain import Account, Balance, Bar, Fill, Order, OrderBook, OrderRequest, Quote, RankRow

METHODS = frozenset(
    {
        "quote",
        "order_book",
        "daily_bars",
        "minute_bars",
        "ranking",
        "place_order",
        "modify_order",
        "cancel_order",
        "open_orders",
        "orders",
        "fills",
        "balance",
        "account",
    }
)


def encode_error(err: Exception) -> dict[str, Any]:
    if isinstance(err, errors.OrderRejected):
        return {
            "type": type(err).__name__,
            "reason": err.reason.value,
            "detail": _detail(err),
            "broker_message": err.broker_message,
        }
    if isinstance(err, errors.RateLimited):
        return {"type": "RateLimited", "message": err.message_en, "retry_after": err.retry_after}
    if isinstance(err, errors.BrokerError):
        return {
            "type": type(err).__name__,
            "message": err.message_en,
            "message_ko": err.message_ko,
            "broker_message": err.broker_message,
        }
    return {"type": "BrokerUnavailable", "message": f"market process error: {type(err).__name__}: {err}"}


def _detail(err: errors.OrderRejected) -> str:
    base = errors.REASON_TEXT[err.reason][1]
    return err.message_en[len(base) + 2 :] if err.message_en.startswith(base + ": ") else ""


def decode_error(data: dict[str, Any]) -> errors.BrokerError:
    kind = data.get("type")
    if kind in ("OrderRejected", "MarketClosed"):
        reason = errors.Reason(data["reason"])
        if kind == "MarketClosed":
            return errors.MarketClosed(data.get("detail", ""))
        return errors.OrderRejected(reason, data.get("detail", ""), data.get("broker_message"))
    if kind == "RateLimited":
        return errors.RateLimited(data.get("message", "rate limited"), data.get("retry_after", 1.0))
    cls = {"AuthError": errors.AuthError}.get(kind or "", errors.BrokerUnavailable)
    return cls(data.get("message", "broker error"), data.get("message_ko"), data.get("broker_message"))


def dispatch(broker: Broker, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request on the owner's broker; never raises."""
    method = request.get("method")
    if method not in METHODS:
        return {"error": {"type": "BrokerUnavailable", "message": f"unknown method {method!r}"}}
    try:
        params = decode(request.get("params") or {})
        return {"result": encode(getattr(broker, method)(**params))}
    except Exception as err:  # noqa: BLE001 - every failure travels back typed
        return {"error": encode_error(err)}


class Transport(Protocol):
    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]: ...
    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription: ...
    def close(self) -> None: ...


class RpcBroker:
    """A Broker whose calls run in the market-owner process (see ``Transport``)."""

    is_live = False

    def __init__(self, transport: Transport, name: str = "paper", timeout: float = 5.0):
        self.transport = transport
        self.name = name
        self.timeout = timeout

    def _call(self, method: str, **params: Any) -> Any:
        reply = self.transport.call({"method": method, "params": encode(params)}, self.timeout)
        if "error" in reply:
            raise decode_error(reply["error"])
        return decode(reply["result"])

    def quote(self, code: str) -> Quote:
        return self._call("quote", code=code)

    def order_book(self, code: str) -> OrderBook:
        return self._call("order_book", code=code)

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]:
        return self._call("daily_bars", code=code, start=start, end=end)

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[Bar]:
        return self._call("minute_bars", code=code, day=day, interval=interval)

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        return self._call("ranking", limit=limit, market=market)

    def place_order(self, req: OrderRequest) -> Order:
        # A client order id makes the submit idempotent on the owner's side, so a caller may
        # safely resend after a timeout; one is generated when the caller gave none.
        if req.client_order_id is None:
            req = OrderRequest(
                req.code, req.side, req.qty, req.order_type, req.price, f"rpc-{uuid.uuid4().hex}"
            )
        return self._call("place_order", req=req)

    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order:
        return self._call("modify_order", order_id=order_id, price=price, qty=qty)

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        return self._call("cancel_order", order_id=order_id, qty=qty)

    def open_orders(self) -> list[Order]:
        return self._call("open_orders")

    def orders(self, day: date | None = None) -> list[Order]:
        return self._call("orders", day=day)

    def fills(self, day: date | None = None) -> list[Fill]:
        return self._call("fills", day=day)

    def balance(self) -> Balance:
        return self._call("balance")

    def account(self) -> Account:
        """Open orders, today's fills and the balance in one round trip."""
        return self._call("account")

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription:
        return self.transport.subscribe(channel, codes, callback)

    def close(self) -> None:
        self.transport.close()
