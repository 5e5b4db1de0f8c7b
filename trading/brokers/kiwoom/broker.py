"""Kiwoom REST API adapter implementing the ``Broker`` protocol.

| method | path | api-id |
|---|---|---|
| ``quote`` | /api/dostk/stkinfo | ka10001 주식기본정보 |
| ``order_book`` | /api/dostk/mrkcond | ka10004 주식호가 |
| ``daily_bars`` | /api/dostk/chart (cont-yn/next-key paging) | ka10081 일봉 |
| ``minute_bars`` | /api/dostk/chart (tic_scope = interval, base_dt) | ka10080 분봉 |
| ``ranking`` | /api/dostk/rkinfo | ka10032 거래대금상위 |
| ``place_order`` | /api/dostk/ordr | kt10000 buy / kt10001 sell (trde_tp 0 limit, 3 market) |
| ``modify_order`` | /api/dostk/ordr | kt10002 |
| ``cancel_order`` | /api/dostk/ordr | kt10003 (cncl_qty "0" = all) |
| ``open_orders`` | /api/dostk/acnt | ka10075 미체결 |
| ``orders`` / ``fills`` (today) | /api/dostk/acnt | ka10075 + ka10076 체결 |
| ``balance`` | /api/dostk/acnt | kt00018 계좌평가잔고 + kt00001 예수금 |
| ``subscribe`` | websocket LOGIN, REG/REMOVE | 0B ticks, 0D books, 00 order fills |
| ``logout`` | /oauth2/revoke | au10002 |

Kiwoom ties the account to the app key: no account number travels with requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from trading.brokers.base import Channel
from trading.brokers.common.bars import aggregate, dedupe_sorted
from trading.brokers.common.feed import Feed, FeedSubscription, idle_status
from trading.brokers.common.http import HttpClient, ResponseLost
from trading.brokers.common.journal import OrderJournal
from trading.brokers.common.rate_limit import RateLimiter, default_rate_limiter
from trading.brokers.common.reconcile import OrderOutcomeUnknown, reconcile
from trading.brokers.common.token_store import TokenStore, default_token_store, token_key
from trading.brokers.common.tokens import TokenManager
from trading.brokers.common.validate import check_code, check_request, check_revision
from trading.brokers.common.values import now_kst, to_int
from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.brokers.kiwoom import auth, parse
from trading.brokers.kiwoom.options import KiwoomOptions
from trading.brokers.kiwoom.realtime import KiwoomFeedProtocol
from trading.brokers.kiwoom.rest import KiwoomRest
from trading.domain import (
    Balance,
    Bar,
    Fill,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    RankRow,
    Side,
)

log = logging.getLogger(__name__)

MINUTE_SCOPES = frozenset({1, 3, 5, 10, 15, 30, 45, 60})
RANK_MARKETS = {"KOSPI": "001", "KOSDAQ": "101"}


class KiwoomBroker:
    """The Kiwoom REST + websocket adapter. Build it with ``KiwoomBroker.from_settings(settings)``."""

    name = "kiwoom"

    def __init__(
        self,
        opts: KiwoomOptions,
        token_store: TokenStore,
        limiter: RateLimiter,
        *,
        http: HttpClient | None = None,
    ):
        if not opts.app_key or not opts.secret_key:
            raise ValueError("Kiwoom needs KIWOOM_APP_KEY and KIWOOM_SECRET_KEY")
        self.opts = opts
        self.is_live = opts.is_real
        self.http = http or HttpClient(
            opts.rest_url, timeout=opts.timeout_s, read_retries=opts.read_retries, label="Kiwoom"
        )
        key = token_key("kiwoom", opts.env, opts.app_key)
        self.tokens = TokenManager(
            key,
            token_store,
            issue=lambda: auth.issue_token(self.http, opts),
            revoke=lambda token: auth.revoke_token(self.http, opts, token),
            refresh_margin_s=opts.token_refresh_margin_s,
            min_issue_interval_s=opts.token_min_interval_s,
            label=f"Kiwoom {opts.env}",
        )
        self.rest = KiwoomRest(opts, self.http, self.tokens, limiter, key)
        self.journal = OrderJournal()
        # Set by the account owner (its lease's ``check``); None = no ownership guard (adapter tests).
        self.send_guard: Callable[[], None] | None = None
        self._feed: Feed | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Any,
        token_store: TokenStore | None = None,
        limiter: RateLimiter | None = None,
        **options: Any,
    ) -> KiwoomBroker:
        opts = KiwoomOptions.from_settings(settings, **options)
        return cls(
            opts, token_store or default_token_store(settings), limiter or default_rate_limiter(settings)
        )

    # ---- quotations ---------------------------------------------------------------------
    def quote(self, code: str) -> Quote:
        check_code(code)
        body = self.rest.call("ka10001", "/api/dostk/stkinfo", {"stk_cd": code}).body
        if not to_int(body.get("cur_prc")):
            raise OrderRejected(Reason.UNKNOWN_CODE, code)
        return parse.quote(code, body, self.opts.value_unit)

    def order_book(self, code: str) -> OrderBook:
        check_code(code)
        body = self.rest.call("ka10004", "/api/dostk/mrkcond", {"stk_cd": code}).body
        book = parse.order_book(code, body)
        if not book.asks[0].price and not book.bids[0].price:
            raise OrderRejected(Reason.UNKNOWN_CODE, code)
        return book

    def _pages(
        self, api_id: str, path: str, body: dict[str, Any], list_key: str, stop: Callable[[list], bool]
    ):
        rows: list[dict[str, Any]] = []
        next_key = ""
        for _ in range(self.opts.max_pages):
            resp = self.rest.call(api_id, path, body, next_key=next_key)
            page = resp.body.get(list_key) or []
            rows += page
            if not resp.has_more or not page or stop(page):
                break
            next_key = resp.next_key
        return rows

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]:
        check_code(code)
        body = {"stk_cd": code, "base_dt": end.strftime("%Y%m%d"), "upd_stkpc_tp": "1"}
        start_s = start.strftime("%Y%m%d")
        rows = self._pages(
            "ka10081",
            "/api/dostk/chart",
            body,
            "stk_dt_pole_chart_qry",
            stop=lambda page: min(str(r.get("dt") or "99999999") for r in page) < start_s,
        )
        bars = parse.daily_bars(code, rows, self.opts.value_unit)
        return [b for b in dedupe_sorted(bars) if start <= b.time.date() <= end]

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[Bar]:
        check_code(code)
        scope = interval if interval in MINUTE_SCOPES else 1
        body = {
            "stk_cd": code,
            "tic_scope": str(scope),
            "upd_stkpc_tp": "1",
            "base_dt": day.strftime("%Y%m%d"),
        }
        day_s = day.strftime("%Y%m%d")
        rows = self._pages(
            "ka10080",
            "/api/dostk/chart",
            body,
            "stk_min_pole_chart_qry",
            stop=lambda page: min(str(r.get("cntr_tm") or "9")[:8] for r in page) < day_s,
        )
        bars = [b for b in parse.minute_bars(code, rows) if b.time.date() == day]
        bars = dedupe_sorted(bars)
        return bars if scope == interval else aggregate(bars, interval)

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        body = {
            "mrkt_tp": RANK_MARKETS.get((market or "").upper(), "000"),
            "mang_stk_incls": "1",
            "stex_tp": self.opts.rank_exchange,
        }
        rows = self._pages("ka10032", "/api/dostk/rkinfo", body, "trde_prica_upper", stop=lambda page: False)
        ranked = parse.rank_rows(rows, market, self.opts.value_unit)
        ranked.sort(key=lambda r: r.value, reverse=True)
        return [replace(r, rank=i + 1) for i, r in enumerate(ranked[:limit])]

    # ---- orders ---------------------------------------------------------------------------
    def _order_gate(self) -> None:
        """Checked before every order, modify and cancel is sent (the gateway checked first)."""
        if self.opts.is_real and not self.opts.live_trading:
            raise OrderRejected(Reason.LIVE_DISABLED, "Kiwoom real account")
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
        market = req.order_type == OrderType.MARKET
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "stk_cd": req.code,
            "ord_qty": str(req.qty),
            "ord_uv": "" if market else str(req.price),
            "trde_tp": "3" if market else "0",
            "cond_uv": "",
        }
        api_id = "kt10000" if req.side == Side.BUY else "kt10001"
        sent_at = now_kst()
        try:
            out = self.rest.call(api_id, "/api/dostk/ordr", body, order=True).body
        except ResponseLost:
            log.warning("Kiwoom order %s %s x%s: response lost, reconciling", req.side, req.code, req.qty)
            key = self.journal.mark_pending(req, sent_at)
            return self._resolve(key, req, sent_at)
        order = Order(
            order_id=str(out.get("ord_no") or "").strip(),
            code=req.code,
            side=req.side,
            order_type=req.order_type,
            price=None if market else req.price,
            qty=req.qty,
            client_order_id=req.client_order_id,
            created_at=sent_at,
            updated_at=sent_at,
        )
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

    def _revise(self, api_id: str, body: dict[str, Any], what: str, order_id: str) -> dict[str, Any]:
        try:
            return self.rest.call(api_id, "/api/dostk/ordr", body, order=True).body
        except ResponseLost as err:
            raise BrokerUnavailable(
                f"Kiwoom {what} of order {order_id}: outcome unknown; check open orders before trying again"
            ) from err

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        check_revision(None, qty)
        self._order_gate()
        order = self._find(order_id)
        if qty is not None and (qty < 1 or qty > order.remaining_qty):
            raise OrderRejected(Reason.BAD_QTY, str(qty))
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "orig_ord_no": order.order_id,
            "stk_cd": order.code,
            "cncl_qty": "0" if qty is None else str(qty),
        }
        self._revise("kt10003", body, "cancel", order_id)
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
            raise OrderRejected(Reason.BAD_QTY, "Kiwoom cannot raise an order's quantity; place a new order")
        if qty is not None and qty <= order.filled_qty:
            raise OrderRejected(Reason.BAD_QTY, f"{qty} <= already filled {order.filled_qty}")
        if qty is not None and qty < order.qty:
            order = self.cancel_order(order_id, order.qty - qty)
        if price is None or price == order.price:
            return order
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "orig_ord_no": order.order_id,
            "stk_cd": order.code,
            "mdfy_qty": str(order.remaining_qty),
            "mdfy_uv": str(price),
            "mdfy_cond_uv": "",
        }
        out = self._revise("kt10002", body, "modify", order_id)
        now = now_kst()
        modified = Order(
            order_id=str(out.get("ord_no") or order.order_id).strip(),
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

    # ---- account --------------------------------------------------------------------------
    def _today_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        open_rows = self._pages(
            "ka10075",
            "/api/dostk/acnt",
            {"all_stk_tp": "0", "trde_tp": "0", "stk_cd": "", "stex_tp": "0"},
            "oso",
            stop=lambda p: False,
        )
        done_rows = self._pages(
            "ka10076",
            "/api/dostk/acnt",
            {"stk_cd": "", "qry_tp": "0", "sell_tp": "0", "ord_no": "", "stex_tp": "0"},
            "cntr",
            stop=lambda p: False,
        )
        return open_rows, done_rows

    def _check_today(self, day: date | None) -> date:
        today = now_kst().date()
        if day is not None and day != today:
            raise BrokerUnavailable(
                "the Kiwoom adapter lists today's orders and fills only (ka10075/ka10076)"
            )
        return today

    def orders(self, day: date | None = None) -> list[Order]:
        today = self._check_today(day)
        open_rows, done_rows = self._today_rows()
        merged: dict[str, Order] = {}
        for row in done_rows + open_rows:  # open rows (ka10075) win: they carry the live remainder
            order = parse.order(row, today)
            if order is not None:
                order.client_order_id = self.journal.client_id_for(order.order_id)
                merged[order.order_id] = order
        return sorted(merged.values(), key=lambda o: (o.created_at, o.order_id))  # type: ignore[arg-type, return-value]

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders() if o.status.is_active]

    def fills(self, day: date | None = None) -> list[Fill]:
        today = self._check_today(day)
        _, done_rows = self._today_rows()
        fills = []
        for row in done_rows:
            order = parse.order(row, today)
            fill = parse.fill(row, order) if order else None
            if fill is not None:
                fills.append(fill)
        return fills

    def balance(self) -> Balance:
        rows = self._pages(
            "kt00018",
            "/api/dostk/acnt",
            {"qry_tp": "1", "dmst_stex_tp": self.opts.exchange},
            "acnt_evlt_remn_indv_tot",
            stop=lambda p: False,
        )
        deposit = self.rest.call("kt00001", "/api/dostk/acnt", {"qry_tp": "3"}).body
        return parse.balance(rows, deposit)

    def orderable(self, code: str, price: int | None = None) -> tuple[int, int]:
        """(주문가능금액, shares it buys at ``price`` or the current price) from kt00001."""
        check_code(code)
        cash = to_int(self.rest.call("kt00001", "/api/dostk/acnt", {"qry_tp": "3"}).body.get("ord_alow_amt"))
        unit = price or self.quote(code).price
        return cash, cash // unit if unit else 0

    # ---- realtime ---------------------------------------------------------------------------
    def _ensure_feed(self) -> Feed:
        if self._feed is None:
            protocol = KiwoomFeedProtocol(self.opts, self.tokens.get, self.tokens.invalidate)
            self._feed = Feed(
                protocol,
                stale_after_s=self.opts.ws_stale_after_s,
                reconnect_delay_s=self.opts.ws_reconnect_delay_s,
            )
        return self._feed

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> FeedSubscription:
        if channel != Channel.FILLS:
            for code in codes:
                check_code(code)
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

    # ---- lifecycle --------------------------------------------------------------------------
    def logout(self) -> bool:
        """Revoke the token at Kiwoom (/oauth2/revoke) and delete the shared cache."""
        return self.tokens.revoke()

    def close(self) -> None:
        try:
            if self._feed is not None:
                self._feed.close()
            self.http.close()
        except Exception:  # noqa: BLE001 - close never raises
            log.exception("Kiwoom close failed")
