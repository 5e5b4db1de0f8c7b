"""KIS (한국투자증권) Open API adapter implementing the ``Broker`` protocol.

| method | KIS endpoint | TR id (real / mock) |
|---|---|---|
| ``quote`` | quotations/inquire-price | FHKST01010100 |
| ``order_book`` | quotations/inquire-asking-price-exp-ccn | FHKST01010200 |
| ``daily_bars`` | quotations/inquire-daily-itemchartprice (100 rows/call, paged by end date) | FHKST03010100 |
| ``minute_bars`` today | quotations/inquire-time-itemchartprice (30 rows/call) | FHKST03010200 |
| ``minute_bars`` past day | quotations/inquire-time-dailychartprice (120 rows/call) | FHKST03010230 |
| ``ranking`` | quotations/volume-rank, FID_BLNG_CLS_CODE=3 (거래금액순) | FHPST01710000 |
| ``place_order`` | trading/order-cash | TTTC0012U buy / TTTC0011U sell (V… mock; legacy 0802U/0801U) |
| ``modify_order`` / ``cancel_order`` | trading/order-rvsecncl (01 modify / 02 cancel) | TTTC0013U / VTTC0013U |
| ``orders`` / ``open_orders`` / ``fills`` | trading/inquire-daily-ccld | TTTC0081R / VTTC0081R (>3 months: CTSC9215R) |
| ``balance`` | trading/inquire-balance + trading/inquire-psbl-order | TTTC8434R + TTTC8908R (V… mock) |
| ``orderable`` | trading/inquire-psbl-order | TTTC8908R / VTTC8908R |
| ``subscribe`` | websocket /tryitout | H0STCNT0 ticks, H0STASP0 books, H0STCNI0/H0STCNI9 fills |
| ``logout`` | /oauth2/revokeP | — |

Orders are never re-sent: a lost answer is reconciled against the day's orders (``reconcile_order``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from trading import domain
from trading.brokers.common.bars import aggregate, dedupe_sorted
from trading.brokers.common.http import HttpClient
from trading.brokers.common.rate_limit import RateLimiter
from trading.brokers.common.rest_broker import RestBroker, accepted_order
from trading.brokers.common.token_store import TokenStore
from trading.brokers.common.validate import check_code
from trading.brokers.common.values import kst_at, now_kst, to_int
from trading.brokers.errors import BrokerUnavailable, OrderRejected, Reason
from trading.brokers.kis import auth, parse
from trading.brokers.kis.options import KisOptions
from trading.brokers.kis.realtime import KisFeedProtocol
from trading.brokers.kis.rest import KisRest

log = logging.getLogger(__name__)

QUOTES = "/uapi/domestic-stock/v1/quotations"
TRADING = "/uapi/domestic-stock/v1/trading"
MAX_PAGES = 50


@dataclass(frozen=True, slots=True)
class Orderable:
    """inquire-psbl-order: cash usable for a buy and the shares it buys (without/with 미수)."""

    cash: int
    max_qty: int
    max_qty_with_credit: int


class KisBroker(RestBroker):
    """The KIS REST + websocket adapter. Build it with ``KisBroker.from_settings(settings)``."""

    name = "kis"
    label = "KIS"
    options_class = KisOptions
    auth = auth
    rest_class = KisRest

    def __init__(
        self,
        opts: KisOptions,
        token_store: TokenStore,
        limiter: RateLimiter,
        *,
        http: HttpClient | None = None,
    ):
        self._org_no: dict[str, str] = {}  # order number → 한국거래소전송주문조직번호 (modify/cancel need it)
        super().__init__(opts, token_store, limiter, http=http)

    def _check_credentials(self, opts: KisOptions) -> None:
        if not opts.app_key or not opts.app_secret:
            raise ValueError("KIS needs KIS_APP_KEY and KIS_APP_SECRET")

    def _feed_protocol(self) -> KisFeedProtocol:
        return KisFeedProtocol(self.opts, lambda: auth.approval_key(self.http, self.opts))

    def _check_fills_subscription(self) -> None:
        if not self.opts.hts_id:
            raise BrokerUnavailable("KIS fill notices need the HTS ID (setting KIS_HTS_ID)")

    # ---- quotations ---------------------------------------------------------------------
    def _market(self, code: str) -> dict[str, str]:
        return {"FID_COND_MRKT_DIV_CODE": self.opts.market_div, "FID_INPUT_ISCD": code}

    def quote(self, code: str) -> domain.Quote:
        check_code(code)
        out = self.rest.call(
            "GET", f"{QUOTES}/inquire-price", "FHKST01010100", params=self._market(code)
        ).body
        output = out.get("output") or {}
        if not isinstance(output, dict) or not to_int(output.get("stck_prpr")):
            raise OrderRejected(Reason.UNKNOWN_CODE, code, broker_message=str(out.get("msg1") or "") or None)
        return parse.quote(code, output)

    def order_book(self, code: str) -> domain.OrderBook:
        check_code(code)
        body = self.rest.call(
            "GET", f"{QUOTES}/inquire-asking-price-exp-ccn", "FHKST01010200", params=self._market(code)
        ).body
        output = body.get("output1") or {}
        if (
            not isinstance(output, dict)
            or not any(to_int(output.get(f"askp{i}")) for i in range(1, 11))
            and not any(to_int(output.get(f"bidp{i}")) for i in range(1, 11))
        ):
            raise OrderRejected(Reason.UNKNOWN_CODE, code)
        return parse.order_book(code, output)

    def daily_bars(self, code: str, start: date, end: date) -> list[domain.Bar]:
        check_code(code)
        bars: list[domain.Bar] = []
        cursor = end
        for _ in range(MAX_PAGES):
            params = {
                **self._market(code),
                "FID_INPUT_DATE_1": start.strftime("%Y%m%d"),
                "FID_INPUT_DATE_2": cursor.strftime("%Y%m%d"),
                "FID_PERIOD_DIV_CODE": "D",
                "FID_ORG_ADJ_PRC": "0",
            }
            rows = self.rest.call(
                "GET", f"{QUOTES}/inquire-daily-itemchartprice", "FHKST03010100", params=params
            )
            page = parse.daily_bars(code, rows.body.get("output2") or [])
            bars += page
            if len(page) < self.opts.daily_rows_per_call:
                break
            cursor = min(b.time.date() for b in page) - timedelta(days=1)
            if cursor < start:
                break
        return [b for b in dedupe_sorted(bars) if start <= b.time.date() <= end]

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[domain.Bar]:
        check_code(code)
        today = now_kst().date()
        if day > today:
            return []
        past = day < today
        tr_id, path, per_call = (
            ("FHKST03010230", "inquire-time-dailychartprice", 120)
            if past
            else ("FHKST03010200", "inquire-time-itemchartprice", self.opts.minute_rows_per_call)
        )
        cursor = "153000" if past else min(now_kst().strftime("%H%M%S"), "153000")
        bars: list[domain.Bar] = []
        for _ in range(MAX_PAGES):
            params = {
                **self._market(code),
                "FID_INPUT_HOUR_1": cursor,
                "FID_PW_DATA_INCU_YN": "Y",
                "FID_ETC_CLS_CODE": "",
            }
            if past:
                params |= {"FID_INPUT_DATE_1": day.strftime("%Y%m%d"), "FID_FAKE_TICK_INCU_YN": ""}
            rows = self.rest.call("GET", f"{QUOTES}/{path}", tr_id, params=params).body.get("output2") or []
            page = [b for b in parse.minute_bars(code, rows) if b.time.date() == day]
            bars += page
            if len(rows) < per_call or not page:
                break
            oldest = min(b.time for b in page) - timedelta(minutes=1)
            if oldest.strftime("%H%M%S") < "090000":
                break
            cursor = oldest.strftime("%H%M%S")
        return aggregate(dedupe_sorted(bars), interval)

    def ranking(self, limit: int = 100, market: str | None = None) -> list[domain.RankRow]:
        """TOP ``limit`` by 거래대금. volume-rank answers one page of at most ``rank_rows_per_call`` rows
        and has no next page, so the ranking is the union of one call per market (KOSPI, KOSDAQ) and
        price band (KIS_RANK_PRICE_BANDS); a band that comes back full while its last row still ranks
        inside the TOP ``limit`` may hide rows, so it is split in two and asked again, up to
        ``rank_max_calls`` calls in all."""
        markets = (
            [self.opts.ranking_markets.get(market.upper(), "0000")]
            if market
            else list(self.opts.ranking_markets.values()) or ["0000"]
        )
        found: dict[str, domain.RankRow] = {}
        bands = [(iscd, lo, hi) for iscd in markets for lo, hi in self.opts.price_bands()]
        full: list[tuple[str, int, int | None, int]] = []  # (market, low, high, last value)
        calls = 0
        while bands and calls < self.opts.rank_max_calls:
            iscd, lo, hi = bands.pop(0)
            page = self._rank_page(iscd, lo, hi, market)
            calls += 1
            for row in page:
                if row.code not in found or row.value > found[row.code].value:
                    found[row.code] = row
            if len(page) >= self.opts.rank_rows_per_call:
                full.append((iscd, lo, hi, min(r.value for r in page)))
            if not bands:
                bands, full = _split_full_bands(full, found, limit)
        if bands or full:
            log.warning("KIS ranking: %d price bands still full after %d calls; raise KIS_RANK_MAX_CALLS "
                        "or set finer KIS_RANK_PRICE_BANDS", len(bands) + len(full), calls)  # fmt: skip
        rows = sorted(found.values(), key=lambda r: r.value, reverse=True)[:limit]
        return [replace(r, rank=i + 1) for i, r in enumerate(rows)]

    def _rank_page(self, iscd: str, low: int, high: int | None, market: str | None) -> list[domain.RankRow]:
        params = {
            "FID_COND_MRKT_DIV_CODE": self.opts.market_div,
            "FID_COND_SCR_DIV_CODE": "20171",
            "FID_INPUT_ISCD": iscd,
            "FID_DIV_CLS_CODE": "0",
            "FID_BLNG_CLS_CODE": "3",  # 거래금액순
            "FID_TRGT_CLS_CODE": "111111111",
            "FID_TRGT_EXLS_CLS_CODE": "000000",
            "FID_INPUT_PRICE_1": str(low) if low else "",
            "FID_INPUT_PRICE_2": "" if high is None else str(high),
            "FID_VOL_CNT": "",
            "FID_INPUT_DATE_1": "",
        }
        body = self.rest.call("GET", f"{QUOTES}/volume-rank", "FHPST01710000", params=params).body
        mkt = market or {v: k for k, v in self.opts.ranking_markets.items()}.get(iscd)
        return parse.rank_rows(body.get("output") or [], mkt)

    # ---- orders ---------------------------------------------------------------------------
    def _account(self) -> dict[str, str]:
        if not self.opts.cano:
            raise BrokerUnavailable("KIS needs the account number (setting KIS_ACCOUNT, e.g. 12345678-01)")
        return {"CANO": self.opts.cano, "ACNT_PRDT_CD": self.opts.product_code}

    def _send_order(self, req: domain.OrderRequest, sent_at: datetime) -> domain.Order:
        market = req.order_type == domain.OrderType.MARKET
        body = {
            **self._account(),
            "PDNO": req.code,
            "ORD_DVSN": "01" if market else "00",
            "ORD_QTY": str(req.qty),
            "ORD_UNPR": "0" if market else str(req.price),
            "EXCG_ID_DVSN_CD": self.opts.exchange,
            "SLL_TYPE": "01" if req.side.value == "sell" else "",
            "CNDT_PRIC": "",
        }
        tr_id = self.opts.order_tr("buy" if req.side.value == "buy" else "sell")
        out = self.rest.call("POST", f"{TRADING}/order-cash", tr_id, body=body, order=True).body
        output = _upper(out.get("output") or {})
        order_id = str(output.get("ODNO") or "").strip()
        self._org_no[order_id] = str(output.get("KRX_FWDG_ORD_ORGNO") or "").strip()
        created = kst_at(sent_at.date(), output.get("ORD_TMD")) if output.get("ORD_TMD") else sent_at
        return accepted_order(req, order_id, created)

    def _revise(
        self, order: domain.Order, *, cancel: bool, qty: int | None, price: int | None
    ) -> dict[str, Any]:
        body = {
            **self._account(),
            "KRX_FWDG_ORD_ORGNO": self._org_no.get(order.order_id, ""),
            "ORGN_ODNO": order.order_id,
            "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "02" if cancel else "01",
            "ORD_QTY": str(qty or 0),
            "ORD_UNPR": str(price or 0),
            "QTY_ALL_ORD_YN": "Y" if qty is None else "N",
            "EXCG_ID_DVSN_CD": self.opts.exchange,
            "CNDT_PRIC": "",
        }
        out = self.rest.call(
            "POST", f"{TRADING}/order-rvsecncl", self.opts.order_tr("modify"), body=body, order=True
        )
        return _upper(out.body.get("output") or {})

    def _send_cancel(self, order: domain.Order, qty: int | None) -> None:
        self._revise(order, cancel=True, qty=qty, price=None)

    def _send_modify(self, order: domain.Order, price: int) -> str:
        output = self._revise(order, cancel=False, qty=None, price=price)
        new_id = str(output.get("ODNO") or order.order_id).strip()
        self._org_no[new_id] = str(output.get("KRX_FWDG_ORD_ORGNO") or self._org_no.get(order.order_id, ""))
        return new_id

    # ---- account --------------------------------------------------------------------------
    def _daily_rows(self, day: date) -> list[dict[str, Any]]:
        recent = (now_kst().date() - day).days <= 90
        tr_id = self.opts.tr("TTTC0081R" if recent else "CTSC9215R")
        rows: list[dict[str, Any]] = []
        fk = nk = ""
        tr_cont = ""
        for _ in range(MAX_PAGES):
            params = {
                **self._account(),
                "INQR_STRT_DT": day.strftime("%Y%m%d"),
                "INQR_END_DT": day.strftime("%Y%m%d"),
                "SLL_BUY_DVSN_CD": "00",
                "PDNO": "",
                "CCLD_DVSN": "00",
                "INQR_DVSN": "00",
                "INQR_DVSN_3": "00",
                "ORD_GNO_BRNO": "",
                "ODNO": "",
                "INQR_DVSN_1": "",
                "CTX_AREA_FK100": fk,
                "CTX_AREA_NK100": nk,
                "EXCG_ID_DVSN_CD": "ALL" if self.opts.is_real else "KRX",
            }
            resp = self.rest.call(
                "GET", f"{TRADING}/inquire-daily-ccld", tr_id, params=params, tr_cont=tr_cont
            )
            page = resp.body.get("output1") or []
            rows += page
            fk = str(resp.body.get("ctx_area_fk100") or "")
            nk = str(resp.body.get("ctx_area_nk100") or "")
            if not resp.has_more or not page or not nk.strip():
                break
            tr_cont = "N"
        return rows

    def orders(self, day: date | None = None) -> list[domain.Order]:
        the_day = day or now_kst().date()
        result = []
        for row in self._daily_rows(the_day):
            order = parse.order(row, the_day)
            if order is None:
                continue
            org = str(row.get("ord_gno_brno") or "").strip()
            if org:
                self._org_no.setdefault(order.order_id, org)
            order.client_order_id = self.journal.client_id_for(order.order_id)
            result.append(order)
        return sorted(result, key=lambda o: (o.created_at or kst_at(the_day, None), o.order_id))

    def open_orders(self) -> list[domain.Order]:
        return [o for o in self.orders() if o.status.is_active]

    def fills(self, day: date | None = None) -> list[domain.Fill]:
        the_day = day or now_kst().date()
        fills = []
        for row in self._daily_rows(the_day):
            order = parse.order(row, the_day)
            fill = parse.fill_from_order(row, order) if order else None
            if fill is not None:
                fills.append(fill)
        return fills

    def orderable(self, code: str, price: int | None = None) -> Orderable:
        """Buyable cash and quantity for ``code`` (market price when ``price`` is None)."""
        check_code(code)
        params = {
            **self._account(),
            "PDNO": code,
            "ORD_UNPR": str(price or ""),
            "ORD_DVSN": "00" if price else "01",
            "CMA_EVLU_AMT_ICLD_YN": "N",
            "OVRS_ICLD_YN": "N",
        }
        out = self.rest.call("GET", f"{TRADING}/inquire-psbl-order", self.opts.tr("TTTC8908R"), params=params)
        output = out.body.get("output") or {}
        return Orderable(
            cash=to_int(output.get("ord_psbl_cash")),
            max_qty=to_int(output.get("nrcvb_buy_qty")),
            max_qty_with_credit=to_int(output.get("max_buy_qty")),
        )

    def balance(self) -> domain.Balance:
        holdings: list[dict[str, Any]] = []
        summary: dict[str, Any] = {}
        fk = nk = ""
        tr_cont = ""
        for _ in range(MAX_PAGES):
            params = {
                **self._account(),
                "AFHR_FLPR_YN": "N",
                "OFL_YN": "",
                "INQR_DVSN": "02",
                "UNPR_DVSN": "01",
                "FUND_STTL_ICLD_YN": "N",
                "FNCG_AMT_AUTO_RDPT_YN": "N",
                "PRCS_DVSN": "00",
                "CTX_AREA_FK100": fk,
                "CTX_AREA_NK100": nk,
            }
            resp = self.rest.call(
                "GET", f"{TRADING}/inquire-balance", self.opts.tr("TTTC8434R"), params=params, tr_cont=tr_cont
            )
            holdings += resp.body.get("output1") or []
            summary_rows = resp.body.get("output2") or [{}]
            summary = summary_rows[0] if isinstance(summary_rows, list) else summary_rows
            fk = str(resp.body.get("ctx_area_fk100") or "")
            nk = str(resp.body.get("ctx_area_nk100") or "")
            if not resp.has_more or not nk.strip():
                break
            tr_cont = "N"
        orderable = self.orderable("005930").cash
        return parse.balance(holdings, summary, orderable)


def _split_full_bands(
    full: list[tuple[str, int, int | None, int]], found: dict[str, domain.RankRow], limit: int
) -> tuple[list[tuple[str, int, int | None]], list[tuple[str, int, int | None, int]]]:
    """The halves of each full band whose last row ranks inside the TOP ``limit`` (rows may be missing
    there); the other full bands are complete enough."""
    values = sorted((r.value for r in found.values()), reverse=True)
    cutoff = values[limit - 1] if len(values) >= limit else 0
    halves: list[tuple[str, int, int | None]] = []
    for iscd, lo, hi, last in full:
        if last <= cutoff or (hi is not None and hi - lo < 2):
            continue
        mid = (lo + hi + 1) // 2 if hi is not None else max(lo * 2, lo + 10_000)
        halves += [(iscd, lo, mid - 1), (iscd, mid, hi)]
    return halves, []


def _upper(output: dict[str, Any]) -> dict[str, Any]:
    """Order outputs come upper-case (order-cash) or lower-case (order-rvsecncl): normalise."""
    return {str(k).upper(): v for k, v in output.items()} if isinstance(output, dict) else {}
