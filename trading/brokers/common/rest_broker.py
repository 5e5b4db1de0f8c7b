"""What the KIS and Kiwoom adapters share: construction (HTTP client, shared token cache, rate limiter),
the real-money gate, sending an order and never re-sending it (a lost answer is reconciled against the
day's orders), modify/cancel bookkeeping, and the realtime feed. Each adapter keeps only its endpoints,
request bodies, parsers and codes (the ``_``-hooks below).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from trading.brokers.base import Channel
from trading.brokers.common.feed import Feed, FeedProtocol, FeedSubscription, idle_status
from trading.brokers.common.http import HttpClient, ResponseLost
from trading.brokers.common.journal import OrderJournal
from trading.brokers.common.rate_limit import RateLimiter, default_rate_limiter
from trading.brokers.common.reconcile import OrderOutcomeUnknown, reconcile
from trading.brokers.common.token_store import TokenStore, default_token_store, token_key
from trading.brokers.common.tokens import IssuedToken, TokenManager
from trading.brokers.common.validate import check_code, check_request, check_revision
from trading.brokers.common.values import now_kst
from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.domain import Order, OrderRequest, OrderStatus, OrderType

log = logging.getLogger(__name__)


def accepted_order(req: OrderRequest, order_id: str, at: datetime) -> Order:
    """The open order a broker just accepted for ``req`` (a market order carries no price)."""
    return Order(
        order_id=order_id,
        code=req.code,
        side=req.side,
        order_type=req.order_type,
        price=None if req.order_type == OrderType.MARKET else req.price,
        qty=req.qty,
        client_order_id=req.client_order_id,
        created_at=at,
        updated_at=at,
    )


class RestBroker:
    """Base of the REST broker adapters; see the module docstring. Build one with ``from_settings``."""

    name: ClassVar[str]  # "kis" | "kiwoom"
    label: ClassVar[str]  # "KIS" | "Kiwoom" (logs and messages)
    options_class: ClassVar[type]
    auth: ClassVar[Any]  # the module with issue_token(http, opts) and revoke_token(http, opts, token)
    rest_class: ClassVar[type]  # (opts, http, tokens, limiter, rate-rule name) → .call(...)

    def __init__(
        self, opts: Any, token_store: TokenStore, limiter: RateLimiter, *, http: HttpClient | None = None
    ):
        self._check_credentials(opts)
        self.opts = opts
        self.is_live = opts.is_real
        self.http = http or HttpClient(
            opts.rest_url, timeout=opts.timeout_s, read_retries=opts.read_retries, label=self.label
        )
        key = token_key(self.name, opts.env, opts.app_key)
        self.tokens = TokenManager(
            key,
            token_store,
            issue=self._issue_token,
            revoke=self._revoke_token,
            refresh_margin_s=opts.token_refresh_margin_s,
            min_issue_interval_s=opts.token_min_interval_s,
            label=f"{self.label} {opts.env}",
        )
        self.rest = self._make_rest(key, limiter)
        self.journal = OrderJournal()
        self._feed: Feed | None = None
        # Set by the account owner (its lease's ``check``); None = no ownership guard (adapter tests).
        self.send_guard: Callable[[], None] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Any,
        token_store: TokenStore | None = None,
        limiter: RateLimiter | None = None,
        **options: Any,
    ) -> RestBroker:
        """The adapter for ``settings.broker_env`` with the shared token cache and rate limiter."""
        opts = cls.options_class.from_settings(settings, **options)  # type: ignore[attr-defined]
        return cls(
            opts, token_store or default_token_store(settings), limiter or default_rate_limiter(settings)
        )

    # --- what each adapter provides --------------------------------------------------------------

    def _check_credentials(self, opts: Any) -> None:
        raise NotImplementedError

    def _issue_token(self) -> IssuedToken:
        return self.auth.issue_token(self.http, self.opts)

    def _revoke_token(self, token: str) -> None:
        self.auth.revoke_token(self.http, self.opts, token)

    def _make_rest(self, key: str, limiter: RateLimiter) -> Any:
        return self.rest_class(self.opts, self.http, self.tokens, limiter, key)

    def _send_order(self, req: OrderRequest, sent_at: datetime) -> Order:
        """Send a new order; ``ResponseLost`` when the answer may have been lost after it arrived."""
        raise NotImplementedError

    def _send_cancel(self, order: Order, qty: int | None) -> None:
        raise NotImplementedError

    def _send_modify(self, order: Order, price: int) -> str:
        """Re-price the remainder of ``order``; returns the order number the broker gives it."""
        raise NotImplementedError

    def _feed_protocol(self) -> FeedProtocol:
        raise NotImplementedError

    def orders(self, day: Any = None) -> list[Order]:
        raise NotImplementedError

    # --- orders ----------------------------------------------------------------------------------

    def _order_gate(self) -> None:
        """Checked before every order, modify and cancel is sent (the gateway checked first)."""
        if self.opts.is_real and not self.opts.live_trading:
            raise OrderRejected(Reason.LIVE_DISABLED, f"{self.label} real account")
        if self.send_guard is not None:
            self.send_guard()

    def place_order(self, req: OrderRequest) -> Order:
        check_request(req)
        self._order_gate()
        existing = self.journal.by_client(req.client_order_id)
        if existing is not None:
            return existing
        for key, pending in self.journal.pending(req.client_order_id) if req.client_order_id else ():
            return self._resolve(key, pending.request, pending.sent_at)  # never re-send: find it
        sent_at = now_kst()
        try:
            order = self._send_order(req, sent_at)
        except ResponseLost:
            log.warning(
                "%s order %s %s x%s: response lost, reconciling", self.label, req.side, req.code, req.qty
            )
            key = self.journal.mark_pending(req, sent_at)
            return self._resolve(key, req, sent_at)
        return self.journal.record(order, req.client_order_id)

    def _resolve(self, key: str, req: OrderRequest, sent_at: datetime) -> Order:
        order = self.reconcile_order(req, sent_at)
        self.journal.resolve(key, order)
        return order

    def reconcile_order(self, req: OrderRequest, sent_at: datetime, order_id: str | None = None) -> Order:
        """Find the order ``req`` sent at ``sent_at`` in today's orders; ``OrderOutcomeUnknown`` if absent."""
        return reconcile(
            lambda: self.orders(sent_at.date()),
            req,
            sent_at,
            order_id=order_id,
            exclude=self.journal.known_ids(),
            attempts=self.opts.reconcile_attempts,
            delay_s=self.opts.reconcile_delay_s,
            window_s=self.opts.reconcile_window_s,
        )

    def reconcile_pending(self) -> list[Order]:
        """Resolve every send of this process whose outcome is unknown; returns the orders found."""
        found = []
        for key, pending in self.journal.pending():
            try:
                found.append(self._resolve(key, pending.request, pending.sent_at))
            except OrderOutcomeUnknown:
                continue
        return found

    def _find(self, order_id: str) -> Order:
        order = next((o for o in self.orders() if o.order_id.lstrip("0") == order_id.lstrip("0")), None)
        if order is None:
            raise OrderRejected(Reason.ORDER_NOT_FOUND, order_id)
        if not order.status.is_active:
            raise OrderRejected(Reason.NOT_ACTIVE, order_id)
        return order

    def _revision(self, send: Callable[[], Any], what: str, order_id: str) -> Any:
        """Send a modify/cancel: a lost answer is unknown (the caller checks open orders, never resends)."""
        try:
            return send()
        except ResponseLost as err:
            raise BrokerUnavailable(
                f"{self.label} {what} of order {order_id}: outcome unknown; check open orders before trying again"
            ) from err

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        check_revision(None, qty)
        self._order_gate()
        order = self._find(order_id)
        if qty is not None and (qty < 1 or qty > order.remaining_qty):
            raise OrderRejected(Reason.BAD_QTY, str(qty))
        self._revision(lambda: self._send_cancel(order, qty), "cancel", order_id)
        now = now_kst()
        if qty is None or qty == order.remaining_qty:
            return replace(order, status=OrderStatus.CANCELLED, updated_at=now)
        return replace(order, qty=order.qty - qty, updated_at=now)

    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order:
        check_revision(price, qty)
        self._order_gate()
        order = self._find(order_id)
        if (price is None or price == order.price) and (qty is None or qty == order.qty):
            raise OrderRejected(Reason.NO_CHANGE, order_id)
        if qty is not None and qty > order.qty:
            raise OrderRejected(
                Reason.BAD_QTY, f"{self.label} cannot raise an order's quantity; place a new order"
            )
        if qty is not None and qty <= order.filled_qty:
            raise OrderRejected(Reason.BAD_QTY, f"{qty} <= already filled {order.filled_qty}")
        if qty is not None and qty < order.qty:
            order = self.cancel_order(order_id, order.qty - qty)
        if price is None or price == order.price:
            return order
        new_id = self._revision(lambda: self._send_modify(order, price), "modify", order_id)
        now = now_kst()
        modified = Order(
            order_id=new_id,
            code=order.code,
            side=order.side,
            order_type=OrderType.LIMIT,
            price=price,
            qty=order.remaining_qty,
            client_order_id=order.client_order_id,
            created_at=now,
            updated_at=now,
        )
        return self.journal.record(modified)

    # --- realtime --------------------------------------------------------------------------------

    def _ensure_feed(self) -> Feed:
        if self._feed is None:
            self._feed = Feed(
                self._feed_protocol(),
                stale_after_s=self.opts.ws_stale_after_s,
                reconnect_delay_s=self.opts.ws_reconnect_delay_s,
                max_reconnect_delay_s=self.opts.ws_max_reconnect_delay_s,
            )
        return self._feed

    def ws_code_capacity(self, with_fills: bool = True) -> int:
        """How many codes can have both ticks and books on the websocket (with the fill notices too)."""
        protocol = self._ensure_feed().protocol
        base: set = {(Channel.FILLS, "")} if with_fills else set()
        n = 0
        while n < 10_000:
            topics = base | {(ch, f"{i:06d}") for i in range(n + 1) for ch in (Channel.TICKS, Channel.BOOKS)}
            if protocol.slots(topics) > protocol.max_subscriptions:
                break
            n += 1
        return n

    def _check_fills_subscription(self) -> None:
        """Raise ``BrokerUnavailable`` when own-fill notices cannot be had (KIS: no HTS ID)."""

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> FeedSubscription:
        if channel != Channel.FILLS:
            for code in codes:
                check_code(code)
        else:
            self._check_fills_subscription()
        return self._ensure_feed().subscribe(channel, codes, callback)

    def feed_status(self) -> dict[str, Any]:
        """Realtime state for the UI (connected, subscriptions, last_message_age_s, reconnects, gaps)."""
        if self._feed is None:
            return idle_status()
        status = self._feed.feed_status()
        errors = self._feed.protocol.control_errors  # type: ignore[attr-defined]
        if errors and not status["last_error"]:
            status["last_error"] = errors[-1]
        return status

    # --- lifecycle -------------------------------------------------------------------------------

    def logout(self) -> bool:
        """Revoke the access token at the broker and delete the shared cache."""
        return self.tokens.revoke()

    def close(self) -> None:
        try:
            if self._feed is not None:
                self._feed.close()
            self.http.close()
        except Exception:  # noqa: BLE001 - close never raises
            log.exception("%s close failed", self.label)
