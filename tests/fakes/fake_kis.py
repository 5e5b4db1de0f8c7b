"""A fake KIS Open API (REST + websocket) built from the reference notes, with injectable faults.

Standalone: ``PYTHONPATH=tests python -m fakes.fake_kis --port 18080`` (websocket on port+1, any app key).
Then ``BROKER=kis BROKER_ENV=mock KIS_APP_KEY=x KIS_APP_SECRET=y KIS_ACCOUNT=12345678-01
KIS_REST_URL=http://127.0.0.1:18080 KIS_WS_URL=ws://127.0.0.1:18081``.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fakes.fake_base import (
    FakeBroker,
    Reply,
    Request,
    WsClient,
    kst_now,
    listing_universe,
    move_account,
    serve_forever,
)


def err(code: str, msg: str, status: int = 500) -> Reply:
    return Reply(status, {"rt_cd": "1", "msg_cd": code, "msg1": msg})


ORDER_REFUSALS = {  # FakeBroker.refusal -> (msg_cd, msg1)
    "unknown": ("APBK0656", "해당종목정보가 없습니다."),
    "cash": ("APBK0952", "주문가능금액을 초과 했습니다"),
    "qty": ("APBK0400", "주문가능수량을 초과 했습니다"),
}


def ok(**parts: Any) -> Reply:
    headers = parts.pop("_headers", None)
    return Reply(200, {"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "정상처리 되었습니다.", **parts}, headers)


@dataclass
class FakeOrder:
    odno: str
    orgno: str
    code: str
    side: str  # "01" sell / "02" buy
    qty: int
    price: int
    dvsn: str
    tmd: str
    dt: str
    filled: int = 0
    fill_price: int = 0
    cancelled: bool = False
    orig: str = ""
    fill_amount: int = 0  # exact executed amount when ``FakeKis.execute`` filled it (0: filled × fill_price)


class FakeKis(FakeBroker):
    """REST on ``rest_url``, websocket on ``ws_url``. Counters and fault switches are attributes."""

    def __init__(
        self,
        *args: Any,
        token_min_interval_s: float = 60.0,
        token_delay_s: float = 0.0,
        hts_id: str = "HTSUSER01",
        account: str = "12345678",
        **kwargs: Any,
    ):
        """``FakeBroker``'s arguments, and KIS's token pacing, HTS ID and account number (CANO)."""
        super().__init__(*args, **kwargs)
        self.token_min_interval_s = token_min_interval_s
        self.token_delay_s = token_delay_s
        self.hts_id = hts_id
        self.account = account
        self.approval_calls = 0
        self.calls: list[tuple[float, str, str]] = []  # (monotonic, path, tr_id) of API calls
        # faults
        self.rate_limit_next = 0  # EGW00201 answers
        self.http429_next = 0
        self.error_status = 500  # HTTP status of EGW errors (KIS also answers some with 200)
        self.enforce_rate: tuple[int, float] | None = None  # (limit, period): EGW00201 above it
        self.fail_paths: dict[str, int] = {}  # last path segment -> answers left that fail (HTTP 500)
        # state
        self.tokens: dict[str, float] = {}
        self.revoked: set[str] = set()
        self.approvals: set[str] = set()
        self.last_token_at = 0.0
        self.orders: list[FakeOrder] = []
        self.aes_key = secrets.token_hex(16)  # 32 chars
        self.aes_iv = secrets.token_hex(8)  # 16 chars
        self._tick_seq = 0
        # overseas daily prices (the US data fallback)
        self.us_prices: dict[str, float] = {"XLK": 230.0, "XLF": 48.0, "SOXX": 220.0}
        self.us_exchanges: dict[str, str] = {"SOXX": "NAS"}  # others: AMS (NYSE Arca)
        self.us_rows_per_call = 100
        self.us_requests: list[tuple[str, str, str]] = []
        self.daily_codes: list[str] = []  # codes asked of the daily chart, in order
        self.daily_values: dict[str, int] = {}  # code → 거래대금 its daily rows report (default 1,000 shares)

    def add_token(self, token: str, ttl_s: float = 86400) -> None:
        with self.lock:
            self.tokens[token] = time.time() + ttl_s

    # ---- REST ---------------------------------------------------------------------------
    def route(self, req: Request) -> Reply:
        if req.path.startswith("/oauth2/"):
            return self._oauth(req)
        tr_id = req.headers.get("tr_id", "")
        with self.lock:
            now = time.monotonic()
            self.calls.append((now, req.path, tr_id))
            if self.http429_next > 0:
                self.http429_next -= 1
                return Reply(429, {"rt_cd": "1", "msg_cd": "", "msg1": "Too Many Requests"})
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return err("EGW00201", "초당 거래건수를 초과하였습니다.", self.error_status)
            if self.enforce_rate:
                limit, period = self.enforce_rate
                recent = [t for t, _, _ in self.calls[:-1] if t > now - period]
                if len(recent) >= limit:
                    return err("EGW00201", "초당 거래건수를 초과하였습니다.", self.error_status)
            auth = req.headers.get("authorization", "")
            token = auth.removeprefix("Bearer ").strip()
            if token not in self.tokens or self.tokens[token] < time.time():
                return err("EGW00123", "기간이 만료된 token 입니다.", self.error_status)
            if not self._key_ok(req.headers.get("appkey", ""), req.headers.get("appsecret", "")):
                return err("EGW00105", "유효하지 않은 AppSecret입니다.", self.error_status)
            failing = req.path.rsplit("/", 1)[-1]
            if self.fail_paths.get(failing, 0) > 0:
                self.fail_paths[failing] -= 1
                return err("EGW00500", "시스템 오류가 발생했습니다.", 500)
        name = req.path.rsplit("/", 1)[-1]
        handler = getattr(self, "_r_" + name.replace("-", "_"), None)
        if handler is None:
            return err("OPSQ0002", f"없는 서비스 코드 입니다 {req.path}", 404)
        return handler(req, tr_id)

    def _oauth(self, req: Request) -> Reply:
        body = req.body or {}
        key = str(body.get("appkey", ""))
        secret = str(body.get("appsecret", body.get("secretkey", "")))
        if key in self.other_env_keys:
            other = "실전투자" if self.env == "mock" else "모의투자"
            return err(
                "EGW02004",
                f"{'모의' if self.env == 'mock' else '실전'}투자 도메인은 {other} 앱키로 호출하실 수 없습니다.",
            )
        if req.path == "/oauth2/tokenP":
            with self.lock:
                self.token_calls += 1
                if not self._key_ok(key, secret):
                    return Reply(
                        403, {"error_code": "EGW00103", "error_description": "유효하지 않은 AppKey입니다."}
                    )
                if time.time() - self.last_token_at < self.token_min_interval_s:
                    return Reply(
                        403,
                        {
                            "error_code": "EGW00133",
                            "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
                        },
                    )
                self.last_token_at = time.time()
            time.sleep(self.token_delay_s)
            token = "tok-" + secrets.token_hex(12)
            expires = kst_now() + timedelta(hours=24)
            self.add_token(token)
            return Reply(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 86400,
                    "access_token_token_expired": expires.strftime("%Y-%m-%d %H:%M:%S"),
                },
            )
        if req.path == "/oauth2/revokeP":
            with self.lock:
                self.revoke_calls += 1
                token = str(body.get("token", ""))
                self.tokens.pop(token, None)
                self.revoked.add(token)
            return Reply(200, {"code": 200, "message": "접근토큰 폐기에 성공하였습니다"})
        if req.path == "/oauth2/Approval":
            if not self._key_ok(key, secret):
                return Reply(
                    403, {"error_code": "EGW00103", "error_description": "유효하지 않은 AppKey입니다."}
                )
            approval = secrets.token_hex(16)
            with self.lock:
                self.approval_calls += 1
                self.approvals.add(approval)
            return Reply(200, {"approval_key": approval})
        return Reply(404, {})

    def _tr(self, real: str) -> str:
        return "V" + real[1:] if self.env == "mock" and real[0] in "TJC" else real

    # quotations
    def _r_inquire_price(self, req: Request, tr_id: str) -> Reply:
        code = req.query.get("FID_INPUT_ISCD", "")
        price = self.prices.get(code)
        if price is None:
            return ok(output={"stck_prpr": "0", "prdy_vrss": "0", "acml_vol": "0", "stck_sdpr": "0"})
        base = price - 500
        return ok(
            output={
                "stck_prpr": str(price),
                "prdy_vrss": "500",
                "prdy_vrss_sign": "2",
                "prdy_ctrt": f"{500 * 100 / base:.2f}",
                "stck_oprc": str(base + 100),
                "stck_hgpr": str(price + 300),
                "stck_lwpr": str(base - 200),
                "stck_mxpr": str(int(base * 1.3)),
                "stck_llam": str(int(base * 0.7)),
                "stck_sdpr": str(base),
                "acml_vol": str(self.volume(code)),
                "acml_tr_pbmn": str(self.volume(code) * price),
                "aspr_unit": "100",
            }
        )

    def _r_inquire_asking_price_exp_ccn(self, req: Request, tr_id: str) -> Reply:
        code = req.query.get("FID_INPUT_ISCD", "")
        price = self.prices.get(code, 0)
        out: dict[str, str] = {"aspr_acpt_hour": kst_now().strftime("%H%M%S")}
        for i in range(1, 11):
            out[f"askp{i}"] = str(price + 100 * i) if price else "0"
            out[f"bidp{i}"] = str(price - 100 * (i - 1)) if price else "0"
            out[f"askp_rsqn{i}"] = str(1000 * i)
            out[f"bidp_rsqn{i}"] = str(900 * i)
        return ok(output1=out, output2={"stck_prpr": str(price)})

    def _r_inquire_daily_itemchartprice(self, req: Request, tr_id: str) -> Reply:
        code = req.query.get("FID_INPUT_ISCD", "")
        self.daily_codes.append(code)
        start = datetime.strptime(req.query["FID_INPUT_DATE_1"], "%Y%m%d").date()
        end = datetime.strptime(req.query["FID_INPUT_DATE_2"], "%Y%m%d").date()
        rows = []
        day = end
        while day >= start and len(rows) < 100:
            if day.weekday() < 5:
                p = self.prices.get(code, 10000) + (day.toordinal() % 17) * 10
                value = self.daily_values.get(code, 1000 * p)
                rows.append(
                    {
                        "stck_bsop_date": day.strftime("%Y%m%d"),
                        "stck_oprc": str(p - 50),
                        "stck_hgpr": str(p + 100),
                        "stck_lwpr": str(p - 100),
                        "stck_clpr": str(p),
                        "acml_vol": str(max(1, value // p)),
                        "acml_tr_pbmn": str(value),
                        "flng_cls_code": "00",  # 락 구분 (notes §4.3)
                        "mod_yn": "N",
                    }
                )
            day -= timedelta(days=1)
        return ok(output1={}, output2=rows)

    def _r_dailyprice(self, req: Request, tr_id: str) -> Reply:
        """Overseas daily prices (HHDFS76240000, kis-api-notes §4.11): ``output2`` rows back from
        ``BYMD``, ``us_rows_per_call`` a call; symbols in ``us_prices`` on exchange ``us_exchanges``."""
        sym, excd = req.query.get("SYMB", ""), req.query.get("EXCD", "")
        self.us_requests.append((sym, excd, req.query.get("BYMD", "")))
        if tr_id != "HHDFS76240000" or sym not in self.us_prices or self.us_exchanges.get(sym, "AMS") != excd:
            return ok(output1={"rsym": f"D{excd}{sym}", "zdiv": "4", "nrec": "0"}, output2=[])
        base = req.query.get("BYMD") or kst_now().strftime("%Y%m%d")
        day = datetime.strptime(base, "%Y%m%d").date()
        rows = []
        while len(rows) < self.us_rows_per_call and day.year > 2000:
            if day.weekday() < 5:
                p = self.us_prices[sym] + (day.toordinal() % 7) * 0.25
                rows.append({"xymd": day.strftime("%Y%m%d"), "open": f"{p - 0.5:.4f}", "high": f"{p + 1:.4f}",
                             "low": f"{p - 1:.4f}", "clos": f"{p:.4f}", "tvol": "1000000", "tamt": "0",
                             "diff": "0.25", "rate": "0.10", "sign": "2"})  # fmt: skip
            day -= timedelta(days=1)
        return ok(output1={"rsym": f"D{excd}{sym}", "zdiv": "4", "nrec": str(len(rows))}, output2=rows)

    def _r_inquire_time_itemchartprice(self, req: Request, tr_id: str) -> Reply:
        return self._minute_rows(req, kst_now().strftime("%Y%m%d"), 30)

    def _r_inquire_time_dailychartprice(self, req: Request, tr_id: str) -> Reply:
        """Past days' minute bars: FID_INPUT_DATE_1 + FID_INPUT_HOUR_1, 120 rows a call."""
        return self._minute_rows(req, req.query["FID_INPUT_DATE_1"], 120)

    def _minute_rows(self, req: Request, day: str, per_call: int) -> Reply:
        code = req.query.get("FID_INPUT_ISCD", "")
        end = datetime.strptime(day + req.query["FID_INPUT_HOUR_1"], "%Y%m%d%H%M%S")
        end = end.replace(second=0)
        rows = []
        t = end
        while len(rows) < per_call and t.strftime("%H%M") >= "0900":
            p = self.prices.get(code, 10000) + t.minute * 10
            rows.append(
                {
                    "stck_bsop_date": t.strftime("%Y%m%d"),
                    "stck_cntg_hour": t.strftime("%H%M%S"),
                    "stck_prpr": str(p),
                    "stck_oprc": str(p - 10),
                    "stck_hgpr": str(p + 20),
                    "stck_lwpr": str(p - 20),
                    "cntg_vol": "10",
                    "acml_tr_pbmn": "0",
                }
            )
            t -= timedelta(minutes=1)
        return ok(output1={}, output2=rows)

    RANK_ROWS = 30  # volume-rank answers at most this many rows (reference notes: often cited 30)
    RANK_MARKETS = {"0001": "KOSPI", "1001": "KOSDAQ"}

    def _r_volume_rank(self, req: Request, tr_id: str) -> Reply:
        q = req.query
        market = self.RANK_MARKETS.get(q.get("FID_INPUT_ISCD", "0000"))
        low = int(q.get("FID_INPUT_PRICE_1") or 0)
        high = int(q["FID_INPUT_PRICE_2"]) if q.get("FID_INPUT_PRICE_2") else None
        rows = []
        for i, code in enumerate(self.ranked(market, low, high)[: self.RANK_ROWS]):
            price, vol = self.prices[code], self.volume(code)
            rows.append(
                {
                    "hts_kor_isnm": f"종목{code}",
                    "mksc_shrn_iscd": code,
                    "data_rank": str(i + 1),
                    "stck_prpr": str(price),
                    "prdy_vrss": "-100",
                    "prdy_ctrt": f"{-100 * 100 / (price + 100):.2f}",
                    "acml_vol": str(vol),
                    "acml_tr_pbmn": str(vol * price),
                }
            )
        return ok(output=rows)

    # trading
    def _account_ok(self, data: dict[str, Any]) -> bool:
        return data.get("CANO") == self.account and data.get("ACNT_PRDT_CD") == "01"

    def _r_order_cash(self, req: Request, tr_id: str) -> Reply:
        body = req.body
        if tr_id not in (
            self._tr("TTTC0012U"),
            self._tr("TTTC0011U"),
            self._tr("TTTC0802U"),
            self._tr("TTTC0801U"),
        ):
            return err("OPSQ0002", f"TR ID {tr_id} 는 이 환경에서 사용할 수 없습니다", 200)
        if not self._account_ok(body):
            return err("OPSQ2000", "ERROR : INPUT_FIELD_SIZE 계좌번호", 200)
        qty = int(body.get("ORD_QTY") or 0)
        price = int(body.get("ORD_UNPR") or 0)
        code = body.get("PDNO", "")
        side = "02" if tr_id.endswith(("0012U", "0802U")) else "01"
        refusal = self.refusal(code, side == "02", qty, price)
        if refusal:
            return err(*ORDER_REFUSALS[refusal], 200)
        now = kst_now()
        with self.lock:
            self.order_posts += 1
            odno = f"{self.next_order_number():010d}"
            order = FakeOrder(
                odno,
                "00950",
                code,
                side,
                qty,
                price,
                body.get("ORD_DVSN", "00"),
                now.strftime("%H%M%S"),
                now.strftime("%Y%m%d"),
            )
            if self.crosses(code, side == "02", price, order.dvsn == "01"):
                order.filled, order.fill_price = qty, self.prices[code]
                self.cash = move_account(
                    self.cash, self.positions, code, side == "02", qty, qty * order.fill_price
                )
            self.orders.append(order)
        return self.order_answer(
            ok(output={"KRX_FWDG_ORD_ORGNO": order.orgno, "ODNO": odno, "ORD_TMD": order.tmd}),
            err("EGW00500", "시스템 오류가 발생했습니다.", 500),
        )

    def _r_order_rvsecncl(self, req: Request, tr_id: str) -> Reply:
        body = req.body
        with self.lock:
            self.revise_posts += 1
            orig = next((o for o in self.orders if o.odno == body.get("ORGN_ODNO")), None)
            if orig is None:
                return err("APBK0013", "주문번호가 존재하지 않습니다.", 200)
            remaining = orig.qty - orig.filled
            if orig.cancelled or remaining <= 0:
                return err("APBK0017", "정정/취소할 수량이 없습니다.", 200)
            qty = remaining if body.get("QTY_ALL_ORD_YN") == "Y" else int(body.get("ORD_QTY") or 0)
            odno = f"{self.next_order_number():010d}"
            now = kst_now()
            if body.get("RVSE_CNCL_DVSN_CD") == "02":
                if qty >= remaining:
                    orig.cancelled = True
                else:
                    orig.qty -= qty
            else:
                orig.qty -= qty
                if orig.qty == orig.filled:
                    orig.cancelled = orig.filled == 0
                new = FakeOrder(
                    odno,
                    orig.orgno,
                    orig.code,
                    orig.side,
                    qty,
                    int(body.get("ORD_UNPR") or 0),
                    "00",
                    now.strftime("%H%M%S"),
                    now.strftime("%Y%m%d"),
                    orig=orig.odno,
                )
                self.orders.append(new)
        return ok(output={"krx_fwdg_ord_orgno": orig.orgno, "odno": odno, "ord_tmd": now.strftime("%H%M%S")})

    def _r_inquire_daily_ccld(self, req: Request, tr_id: str) -> Reply:
        q = req.query
        if not self._account_ok(q):
            return err("OPSQ2000", "ERROR : INPUT_FIELD_SIZE 계좌번호", 200)
        page = 15 if self.env == "mock" else 100
        offset = int(q.get("CTX_AREA_NK100") or 0) if q.get("CTX_AREA_NK100", "").strip() else 0
        with self.lock:
            day_orders = [
                o for o in self.orders if q.get("INQR_STRT_DT", "") <= o.dt <= q.get("INQR_END_DT", "")
            ]
        day_orders.sort(key=lambda o: o.odno, reverse=True)
        chunk = day_orders[offset : offset + page]
        more = offset + page < len(day_orders)
        rows = [
            {
                "ord_dt": o.dt,
                "ord_gno_brno": o.orgno,
                "odno": o.odno,
                "orgn_odno": o.orig,
                "sll_buy_dvsn_cd": o.side,
                "pdno": o.code,
                "ord_qty": str(o.qty),
                "ord_unpr": str(o.price),
                "ord_tmd": o.tmd,
                "tot_ccld_qty": str(o.filled),
                "avg_prvs": str(o.fill_price),
                "tot_ccld_amt": str(o.fill_amount or o.filled * o.fill_price),
                "rmn_qty": "0" if o.cancelled else str(o.qty - o.filled),
                "rjct_qty": "0",
                "cncl_yn": "Y" if o.cancelled else "N",
                "ord_dvsn_cd": o.dvsn,
            }
            for o in chunk
        ]
        return ok(
            output1=rows,
            output2={"tot_ord_qty": str(sum(o.qty for o in day_orders))},
            ctx_area_fk100="",
            ctx_area_nk100=str(offset + page) if more else "",
            _headers={"tr_cont": "M" if more else "D"},
        )

    def _r_inquire_balance(self, req: Request, tr_id: str) -> Reply:
        rows = [
            {
                "pdno": code,
                "prdt_name": f"종목{code}",
                "hldg_qty": str(qty),
                "ord_psbl_qty": str(qty),
                "pchs_avg_pric": f"{cost / qty:.4f}",
                "pchs_amt": str(cost),
                "prpr": str(self.prices[code]),
                "evlu_amt": str(qty * self.prices[code]),
            }
            for code, (qty, cost) in self.positions.items()
        ]
        rows.append({"pdno": "000660", "hldg_qty": "0", "pchs_amt": "0", "prpr": "180000"})  # sold, lingers
        summary = {"dnca_tot_amt": str(self.cash), "prvs_rcdl_excc_amt": str(self.cash), "tot_evlu_amt": "0"}
        return ok(
            output1=rows, output2=[summary], ctx_area_fk100="", ctx_area_nk100="", _headers={"tr_cont": "D"}
        )

    def _r_inquire_psbl_order(self, req: Request, tr_id: str) -> Reply:
        price = int(req.query.get("ORD_UNPR") or 0) or self.prices.get(req.query.get("PDNO", ""), 1)
        reserved = sum(
            o.price * (o.qty - o.filled) for o in self.orders if o.side == "02" and not o.cancelled
        )
        cash = self.cash - reserved
        return ok(
            output={
                "ord_psbl_cash": str(cash),
                "nrcvb_buy_amt": str(cash),
                "nrcvb_buy_qty": str(cash // price),
                "max_buy_amt": str(cash),
                "max_buy_qty": str(cash // price),
            }
        )

    # ---- control hooks (tests) ----------------------------------------------------------
    def execute(self, odno: str, qty: int, price: int | None = None) -> None:
        """Fill ``qty`` more shares of resting order ``odno`` at ``price`` (default: the current price).

        The order's totals (``tot_ccld_qty``, ``tot_ccld_amt``, ``avg_prvs``), the deposit and the
        holdings move as they would at KIS (no fees in this fake).
        """
        with self.lock:
            o = next(x for x in self.orders if x.odno == odno)
            if o.cancelled or qty < 1 or o.filled + qty > o.qty:
                raise ValueError(
                    f"cannot fill {qty} of order {odno} ({o.filled}/{o.qty}, cancelled={o.cancelled})"
                )
            px = price or self.prices[o.code]
            amount = qty * px
            o.fill_amount = (o.fill_amount or o.filled * o.fill_price) + amount
            o.filled += qty
            o.fill_price = round(o.fill_amount / o.filled)
            self.cash = move_account(self.cash, self.positions, o.code, o.side == "02", qty, amount)

    # ---- websocket ----------------------------------------------------------------------
    async def on_ws_message(self, client: WsClient, msg: dict[str, Any]) -> None:
        header = msg.get("header") or {}
        if header.get("tr_id") == "PINGPONG":
            self.pongs += 1
            return
        body = (msg.get("body") or {}).get("input") or {}
        tr_id, tr_key = body.get("tr_id", ""), body.get("tr_key", "")
        if header.get("approval_key") not in self.approvals:
            await client.conn.send(self._ack(tr_id, tr_key, "1", "OPSP0011", "invalid approval : NOT FOUND"))
            return
        if header.get("tr_type") == "1":
            client.subs.add((tr_id, tr_key))
            msg1 = "SUBSCRIBE SUCCESS"
        else:
            client.subs.discard((tr_id, tr_key))
            msg1 = "UNSUBSCRIBE SUCCESS"
        await client.conn.send(self._ack(tr_id, tr_key, "0", "OPSP0000", msg1))

    def _ack(self, tr_id: str, tr_key: str, rt_cd: str, msg_cd: str, msg1: str) -> str:
        encrypted = tr_id in ("H0STCNI0", "H0STCNI9")
        body: dict[str, Any] = {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}
        if encrypted and rt_cd == "0":
            body["output"] = {"iv": self.aes_iv, "key": self.aes_key}
        return json.dumps(
            {"header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "Y" if encrypted else "N"}, "body": body}
        )

    def tick_values(self, code: str, price: int, extra_fields: int = 0) -> list[str]:
        self._tick_seq += 1
        values = ["0"] * 46
        values[0], values[1], values[2] = code, kst_now().strftime("%H%M%S"), str(price)
        values[12], values[13], values[14], values[18] = (
            "7",
            str(1000 + self._tick_seq),
            str(price * 1000),
            "112.34",
        )
        return values + [f"X{i}" for i in range(extra_fields)]

    def tick_frame(self, code: str, price: int) -> tuple[str, str]:
        return "H0STCNT0", "0|H0STCNT0|001|" + "^".join(self.tick_values(code, price))

    def ticks_frame(self, code: str, prices: list[int], extra_fields: int = 0) -> tuple[str, str]:
        payload = "^".join(v for p in prices for v in self.tick_values(code, p, extra_fields))
        return "H0STCNT0", f"0|H0STCNT0|{len(prices):03d}|{payload}"

    def push_ticks(self, code: str, prices: list[int], extra_fields: int = 0) -> int:
        """One H0STCNT0 frame carrying ``len(prices)`` records; returns clients reached."""
        kind, frame = self.ticks_frame(code, prices, extra_fields)
        return self.ws.call(self.send_to(kind, code, frame))

    def push_book(self, code: str, price: int) -> int:
        values = ["0"] * 59
        values[0], values[1] = code, kst_now().strftime("%H%M%S")
        for i in range(10):
            values[3 + i], values[13 + i] = str(price + 100 * (i + 1)), str(price - 100 * i)
            values[23 + i], values[33 + i] = str(100 + i), str(200 + i)
        return self.ws.call(self.send_to("H0STASP0", code, "0|H0STASP0|001|" + "^".join(values)))

    def encrypt(self, text: str) -> str:
        padder = padding.PKCS7(128).padder()
        data = padder.update(text.encode("utf-8")) + padder.finalize()
        enc = Cipher(algorithms.AES(self.aes_key.encode()), modes.CBC(self.aes_iv.encode())).encryptor()
        return base64.b64encode(enc.update(data) + enc.finalize()).decode()

    def push_fill(self, odno: str, code: str, side: str, qty: int, price: int, extra_fields: int = 0) -> int:
        """An encrypted H0STCNI0/9 execution notice (CNTG_YN=2) for the HTS ID."""
        tr_id = "H0STCNI9" if self.env == "mock" else "H0STCNI0"
        values = [""] * 26
        values[0], values[1], values[2], values[4] = self.hts_id, self.account + "01", odno, side
        values[8], values[9], values[10], values[11] = (
            code,
            str(qty),
            str(price),
            kst_now().strftime("%H%M%S"),
        )
        values[12], values[13], values[14] = "0", "2", "1"
        values += [f"X{i}" for i in range(extra_fields)]
        frame = f"1|{tr_id}|001|{self.encrypt('^'.join(values))}"
        return self.ws.call(self.send_to(tr_id, self.hts_id, frame))

    def push_pingpong(self) -> None:
        self.send_all(
            json.dumps({"header": {"tr_id": "PINGPONG", "datetime": kst_now().strftime("%Y%m%d%H%M%S")}})
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake KIS Open API (REST + websocket)")
    parser.add_argument("--port", type=int, default=18080, help="REST port (websocket: --ws-port or port+1)")
    parser.add_argument("--ws-port", type=int, default=None)
    parser.add_argument("--env", choices=["mock", "real"], default="mock")
    parser.add_argument("--tick-interval", type=float, default=1.0, help="seconds between ticks per code")
    parser.add_argument(
        "--ticks-per-s", type=float, default=None, help="stream this many ticks/s over the subscribed codes"
    )
    parser.add_argument("--account", default="12345678", help="CANO the fake accepts (product code 01)")
    parser.add_argument(
        "--stocks", type=int, default=None, help="serve this many listed stocks (default all)"
    )
    args = parser.parse_args(argv)
    fake = FakeKis(
        args.env,
        accept_any_key=True,
        token_min_interval_s=0.0,
        port=args.port,
        ws_port=args.ws_port or args.port + 1,
        tick_interval_s=None if args.ticks_per_s else args.tick_interval,
        account=args.account,
        universe=listing_universe(args.stocks),
    ).start()
    if args.ticks_per_s:
        fake.stream_ticks(args.ticks_per_s)
    serve_forever(
        fake,
        f"fake KIS ({args.env}) REST {fake.rest_url}  websocket {fake.ws_url}",
        f"KIS_REST_URL={fake.rest_url} KIS_WS_URL={fake.ws_url} KIS_ACCOUNT={args.account}-01",
    )


if __name__ == "__main__":
    main()


__all__ = ["FakeKis", "main"]
