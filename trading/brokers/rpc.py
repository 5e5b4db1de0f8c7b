"""Reach the account owner from another process: the request envelope, the owner's endpoint, and the
client-side read broker.

A request is ``{"id", "method", "params", "account", "deadline", "sig"}``:

* ``id``: 32 hex characters; the reply goes to a key the owner derives from it (never one the request
  names), so a request cannot touch any other key;
* ``deadline``: epoch milliseconds; the owner discards a request it picks up later (counted and logged),
  so an order never runs after its caller gave up;
* ``sig``: HMAC-SHA256 over the rest with the deployment's secret (``SECRET_KEY``); the owner drops
  unsigned or mis-signed requests (Redis transport; the local HTTP transport authenticates with its
  bearer token).

Orders never travel as broker calls: ``gateway.*`` methods run in the owner's ``LocalGateway``; the
read methods run on the account's broker. Typed errors survive the trip.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from trading.brokers import errors
from trading.brokers.base import Broker, Channel, Subscription
from trading.brokers.wire import decode, encode
from trading.domain import Account, Balance, Bar, Fill, Order, OrderBook, OrderRequest, Quote, RankRow

log = logging.getLogger(__name__)

READ_METHODS = frozenset(
    {
        "quote",
        "order_book",
        "daily_bars",
        "minute_bars",
        "ranking",
        "open_orders",
        "orders",
        "fills",
        "balance",
        "account_view",
    }
)
GATEWAY_METHODS = frozenset(
    {
        "gateway.prepare",
        "gateway.place",
        "gateway.modify",
        "gateway.cancel",
        "gateway.status",
        "gateway.risk_state",
        "gateway.set_risk_state",
        "gateway.kill",
    }
)
# The demo market's clock (the navbar's display and the admin's speed control).
MARKET_METHODS = frozenset({"market.clock", "market.set_speed"})
ID_RE = re.compile(r"[0-9a-f]{32}")
MAX_ACCOUNT_LEN = 40


class RpcTimeout(errors.BrokerUnavailable):
    """The owner did not answer before the request's deadline (it will not run it later)."""


# --- the envelope ------------------------------------------------------------------------------


def envelope(method: str, params: dict[str, Any], account: str | None, timeout_s: float) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "method": method,
        "params": encode(params),
        "account": account,
        "deadline": int((time.time() + timeout_s) * 1000),
    }


def _canonical(env: dict[str, Any]) -> bytes:
    body = {k: v for k, v in env.items() if k != "sig"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Signer:
    """HMAC-SHA256 of the envelope with a key derived from the deployment secret."""

    def __init__(self, secret: bytes):
        if not secret:
            raise ValueError("RPC signing needs a secret")
        self._key = hashlib.sha256(b"gslts-rpc\0" + secret).digest()

    def sign(self, env: dict[str, Any]) -> dict[str, Any]:
        return {**env, "sig": hmac.new(self._key, _canonical(env), hashlib.sha256).hexdigest()}

    def valid(self, env: dict[str, Any]) -> bool:
        sig = env.get("sig")
        if not isinstance(sig, str):
            return False
        return hmac.compare_digest(sig, hmac.new(self._key, _canonical(env), hashlib.sha256).hexdigest())


def parse_envelope(raw: bytes | str) -> dict[str, Any] | str:
    """The request, or a short reason why it is malformed (the caller logs it and drops the entry)."""
    try:
        env = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(env, dict):
        return f"not an object ({type(env).__name__})"
    if not isinstance(env.get("id"), str) or not ID_RE.fullmatch(env["id"]):
        return "bad id"
    method = env.get("method")
    if not isinstance(method, str) or method not in READ_METHODS | GATEWAY_METHODS | MARKET_METHODS:
        return f"unknown method {str(method)[:40]!r}"
    if not isinstance(env.get("deadline"), int) or isinstance(env.get("deadline"), bool):
        return "no deadline"
    if not isinstance(env.get("params", {}), dict):
        return "params is not an object"
    account = env.get("account")
    if account is not None and (not isinstance(account, str) or len(account) > MAX_ACCOUNT_LEN):
        return "bad account"
    return env


def expired_ms(env: dict[str, Any], now: float | None = None) -> int:
    """Milliseconds past the deadline (<= 0: still in time)."""
    return int((time.time() if now is None else now) * 1000) - int(env["deadline"])


# --- errors over the wire ----------------------------------------------------------------------


def encode_error(err: Exception) -> dict[str, Any]:
    if isinstance(err, errors.OrderRejected):
        return {
            "type": type(err).__name__,
            "reason": err.reason.value,
            "detail": err.detail,
            "broker_message": err.broker_message,
        }
    if isinstance(err, errors.OrderPending):
        return {"type": "OrderPending", "client_order_id": err.client_order_id, "message": err.message_en}
    if isinstance(err, errors.RateLimited):
        return {"type": "RateLimited", "message": err.message_en, "retry_after": err.retry_after}
    if isinstance(err, errors.BrokerError):
        return {
            "type": type(err).__name__,
            "message": err.message_en,
            "message_ko": err.message_ko,
            "broker_message": err.broker_message,
        }
    return {"type": "BrokerUnavailable", "message": f"account owner error: {type(err).__name__}: {err}"}


def decode_error(data: dict[str, Any]) -> errors.BrokerError:
    kind = data.get("type")
    if kind in ("OrderRejected", "MarketClosed"):
        if kind == "MarketClosed":
            return errors.MarketClosed(data.get("detail", ""))
        return errors.OrderRejected(
            errors.Reason(data["reason"]), data.get("detail", ""), data.get("broker_message")
        )
    if kind == "OrderPending":
        return errors.OrderPending(str(data.get("client_order_id") or ""))
    if kind == "RateLimited":
        return errors.RateLimited(data.get("message", "rate limited"), data.get("retry_after", 1.0))
    cls = {"AuthError": errors.AuthError}.get(kind or "", errors.BrokerUnavailable)
    return cls(data.get("message", "broker error"), data.get("message_ko"), data.get("broker_message"))


# --- the owner's side --------------------------------------------------------------------------


class Endpoint:
    """Answers requests on the owner: reads on ``reader(account)``, ``gateway.*`` on the gateway,
    ``market.*`` on the paper market's clock (``market``: its ``MarketService``, None for a broker)."""

    def __init__(
        self, reader: Callable[[str | None], Broker], gateway: Any | None, market: Any | None = None
    ):
        self.reader = reader
        self.gateway = gateway
        self.market = market

    def handle(self, env: dict[str, Any]) -> dict[str, Any]:
        """Run one (already checked) request; never raises."""
        method = env["method"]
        try:
            params = decode(env.get("params") or {})
            if method in GATEWAY_METHODS:
                if self.gateway is None:
                    raise errors.OrderRejected(errors.Reason.NOT_OWNER, "this process has no order gateway")
                return {"result": encode(self._gateway(method.removeprefix("gateway."), params))}
            if method in MARKET_METHODS:
                return {"result": encode(self._market(method.removeprefix("market."), params))}
            return {"result": encode(getattr(self.reader(env.get("account")), method)(**params))}
        except Exception as err:  # noqa: BLE001 - every failure travels back typed
            if not isinstance(err, errors.BrokerError):
                log.exception("rpc %s failed", method)
            return {"error": encode_error(err)}

    def handle_places(self, envs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer several ``gateway.place`` requests together (one store transaction per paper account);
        never raises."""
        place_many = getattr(self.gateway, "place_many", None)
        if place_many is None or len(envs) == 1:
            return [self.handle(env) for env in envs]
        replies: list[dict[str, Any] | None] = [None] * len(envs)
        items, where = [], []
        for k, env in enumerate(envs):
            try:
                params = decode(env.get("params") or {})
                items.append((params["cmd"], params["ctx"]))
                where.append(k)
            except Exception as err:  # noqa: BLE001 - a bad request answers alone
                replies[k] = {"error": encode_error(err)}
        try:
            results = place_many(items)
        except Exception as err:  # noqa: BLE001
            log.exception("rpc: a batch of %d orders failed", len(items))
            results = [err] * len(items)
        for k, res in zip(where, results, strict=True):
            replies[k] = (
                {"error": encode_error(res)} if isinstance(res, Exception) else {"result": encode(res)}
            )
        return replies  # type: ignore[return-value]

    def _market(self, action: str, params: dict[str, Any]) -> Any:
        if self.market is None:
            raise errors.OrderRejected(errors.Reason.NOT_OWNER, "this owner runs no paper market")
        if action == "clock":
            return self.market.clock_info()
        if params.get("role") != "admin":  # the web checks the user first; the owner checks again
            raise errors.OrderRejected(errors.Reason.FORBIDDEN, "only an admin sets the market speed")
        return self.market.set_speed(float(params["speed"]))

    def _gateway(self, action: str, params: dict[str, Any]) -> Any:
        ctx = params["ctx"]
        if action == "status":
            return self.gateway.status(ctx, str(params["client_order_id"]))
        if action == "risk_state":
            return self.gateway.risk_state(ctx)
        if action == "set_risk_state":
            return self.gateway.set_risk_state(ctx, str(params.get("state")), str(params.get("reason") or ""))
        if action == "kill":
            return self.gateway.kill(ctx, str(params.get("reason") or ""))
        cmd = params["cmd"]
        if action == "prepare":
            return self.gateway.prepare(cmd, ctx)
        return getattr(self.gateway, action)(cmd, ctx)


# --- the client's side -------------------------------------------------------------------------


class Transport(Protocol):
    def call(self, env: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Deliver ``env`` and wait for its reply; ``RpcTimeout`` once the deadline passed."""

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription: ...

    def close(self) -> None: ...


def call(
    transport: Transport, method: str, params: dict[str, Any], account: str | None, timeout: float
) -> Any:
    reply = transport.call(envelope(method, params, account, timeout), timeout)
    if "error" in reply:
        raise decode_error(reply["error"])
    return decode(reply["result"])


class RpcBroker:
    """Reads of one account (and the market) from the owner process. It places no orders: those go
    through the order gateway (``RemoteGateway``)."""

    is_live = False

    def __init__(
        self, transport: Transport, name: str = "paper", timeout: float = 5.0, account: str | None = None
    ):
        self.transport = transport
        self.name = name
        self.timeout = timeout
        self.account = account

    def for_account(self, account: str) -> RpcBroker:
        return RpcBroker(self.transport, self.name, self.timeout, account)

    def _call(self, method: str, **params: Any) -> Any:
        return call(self.transport, method, params, self.account, self.timeout)

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

    def _no_orders(self) -> Order:
        raise errors.OrderRejected(errors.Reason.NOT_OWNER, "orders go through the order gateway")

    def place_order(self, req: OrderRequest) -> Order:
        return self._no_orders()

    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order:
        return self._no_orders()

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        return self._no_orders()

    def open_orders(self) -> list[Order]:
        return self._call("open_orders")

    def orders(self, day: date | None = None) -> list[Order]:
        return self._call("orders", day=day)

    def fills(self, day: date | None = None) -> list[Fill]:
        return self._call("fills", day=day)

    def balance(self) -> Balance:
        return self._call("balance")

    def account_view(self) -> Account:
        """Open orders, today's fills and the balance in one round trip."""
        return self._call("account_view")

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription:
        if Channel(channel) is Channel.FILLS and self.account is not None:
            mine, inner = self.account, callback

            def callback(event: object) -> None:  # only this account's executions
                if getattr(event, "account", None) in (None, mine):
                    inner(event)

        return self.transport.subscribe(channel, codes, callback)

    def close(self) -> None:
        self.transport.close()
