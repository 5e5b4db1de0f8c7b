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
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from trading import domain
from trading.brokers.common.bars import aggregate, dedupe_sorted
from trading.brokers.common.rest_broker import RestBroker, accepted_order
from trading.brokers.common.validate import check_code
from trading.brokers.common.values import now_kst, to_int
from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.brokers.kiwoom import auth, parse
from trading.brokers.kiwoom.options import KiwoomOptions
from trading.brokers.kiwoom.realtime import KiwoomFeedProtocol
from trading.brokers.kiwoom.rest import KiwoomRest

log = logging.getLogger(__name__)

MINUTE_SCOPES = frozenset({1, 3, 5, 10, 15, 30, 45, 60})
RANK_MARKETS = {"KOSPI": "001", "KOSDAQ": "101"}


class KiwoomBroker(RestBroker):
    """The Kiwoom REST + websocket adapter. Build it with ``KiwoomBroker.from_settings(settings)``."""

    name = "kiwoom"
    label = "Kiwoom"
    options_class = KiwoomOptions
    auth = auth
    rest_class = KiwoomRest

    def _check_credentials(self, opts: KiwoomOptions) -> None:
        if not opts.app_key or not opts.secret_key:
            raise ValueError("Kiwoom needs KIWOOM_APP_KEY and KIWOOM_SECRET_KEY")

    def _feed_protocol(self) -> KiwoomFeedProtocol:
        return KiwoomFeedProtocol(self.opts, self.tokens.get, self.tokens.invalidate)

    # ---- quotations ---------------------------------------------------------------------
    def quote(self, code: str) -> domain.Quote:
        check_code(code)
        body = self.rest.call("ka10001", "/api/dostk/stkinfo", {"stk_cd": code}).body
        if not to_int(body.get("cur_prc")):
            raise OrderRejected(Reason.UNKNOWN_CODE, code)
        return parse.quote(code, body, self.opts.value_unit)

    def order_book(self, code: str) -> domain.OrderBook:
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

    def daily_bars(self, code: str, start: date, end: date) -> list[domain.Bar]:
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

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[domain.Bar]:
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

    def ranking(self, limit: int = 100, market: str | None = None) -> list[domain.RankRow]:
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
    def _send_order(self, req: domain.OrderRequest, sent_at: datetime) -> domain.Order:
        market = req.order_type == domain.OrderType.MARKET
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "stk_cd": req.code,
            "ord_qty": str(req.qty),
            "ord_uv": "" if market else str(req.price),
            "trde_tp": "3" if market else "0",
            "cond_uv": "",
        }
        api_id = "kt10000" if req.side == domain.Side.BUY else "kt10001"
        out = self.rest.call(api_id, "/api/dostk/ordr", body, order=True).body
        return accepted_order(req, str(out.get("ord_no") or "").strip(), sent_at)

    def _send_cancel(self, order: domain.Order, qty: int | None) -> None:
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "orig_ord_no": order.order_id,
            "stk_cd": order.code,
            "cncl_qty": "0" if qty is None else str(qty),
        }
        self.rest.call("kt10003", "/api/dostk/ordr", body, order=True)

    def _send_modify(self, order: domain.Order, price: int) -> str:
        body = {
            "dmst_stex_tp": self.opts.exchange,
            "orig_ord_no": order.order_id,
            "stk_cd": order.code,
            "mdfy_qty": str(order.remaining_qty),
            "mdfy_uv": str(price),
            "mdfy_cond_uv": "",
        }
        out = self.rest.call("kt10002", "/api/dostk/ordr", body, order=True).body
        return str(out.get("ord_no") or order.order_id).strip()

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

    def orders(self, day: date | None = None) -> list[domain.Order]:
        today = self._check_today(day)
        open_rows, done_rows = self._today_rows()
        merged: dict[str, domain.Order] = {}
        for row in done_rows + open_rows:  # open rows (ka10075) win: they carry the live remainder
            order = parse.order(row, today)
            if order is not None:
                order.client_order_id = self.journal.client_id_for(order.order_id)
                merged[order.order_id] = order
        return sorted(merged.values(), key=lambda o: (o.created_at, o.order_id))  # type: ignore[arg-type, return-value]

    def open_orders(self) -> list[domain.Order]:
        return [o for o in self.orders() if o.status.is_active]

    def fills(self, day: date | None = None) -> list[domain.Fill]:
        today = self._check_today(day)
        _, done_rows = self._today_rows()
        fills = []
        for row in done_rows:
            order = parse.order(row, today)
            fill = parse.fill(row, order) if order else None
            if fill is not None:
                fills.append(fill)
        return fills

    def balance(self) -> domain.Balance:
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
