"""A fake Kiwoom REST API (REST + websocket) built from the reference notes, with injectable faults.

Errors come the way the live server sends them: mostly HTTP 200 with ``return_code != 0`` and the
4-digit code in brackets inside ``return_msg``.

Standalone: ``PYTHONPATH=tests python -m fakes.fake_kiwoom --port 18090`` (websocket on port+1, any app key).
Then ``BROKER=kiwoom BROKER_ENV=mock KIWOOM_APP_KEY=x KIWOOM_SECRET_KEY=y
KIWOOM_REST_URL=http://127.0.0.1:18090 KIWOOM_WS_URL=ws://127.0.0.1:18091/api/dostk/websocket``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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

AUTH_FAILED = "인증에 실패했습니다[8005:Token이 유효하지 않습니다]"
RATE_MSG = "허용된 요청 개수를 초과하였습니다[1700:허용된 요청 개수를 초과하였습니다. API ID=%s]"


def ok(_headers: dict[str, str] | None = None, **data: Any) -> Reply:
    return Reply(200, {**data, "return_code": 0, "return_msg": "정상적으로 처리되었습니다"}, _headers)


def fail(return_code: int, msg: str, status: int = 200) -> Reply:
    return Reply(status, {"return_code": return_code, "return_msg": msg})


def signed(value: int, direction: int) -> str:
    return ("+" if direction > 0 else "-" if direction < 0 else "") + str(value)


@dataclass
class FakeOrder:
    ord_no: str
    code: str
    side: str  # "1" sell / "2" buy
    qty: int
    price: int
    trde_tp: str
    tm: str
    filled: int = 0
    fill_price: int = 0
    cancelled: bool = False
    orig: str = ""


ORDER_REFUSALS = {  # FakeBroker.refusal -> (return_code, return_msg)
    "unknown": (2, "[1902:종목 정보가 없습니다]"),
    "cash": (20, "[2000:주문가능금액을 초과하였습니다(매수증거금 부족)]"),
    "qty": (20, "[2000:매도가능수량을 초과하였습니다]"),
}


class FakeKiwoom(FakeBroker):
    ws_path = "/api/dostk/websocket"

    def __init__(self, *args: Any, **kwargs: Any):
        """``FakeBroker``'s arguments."""
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[float, str]] = []  # (monotonic, api-id)
        self.daily_codes: list[str] = []  # codes asked of the daily chart (ka10081), in order
        # faults
        self.rate_limit_next = 0  # HTTP 429 + return_code 5 [1700]
        self.rate_limit_200_next = 0  # HTTP 200 + return_code 5 [1700]
        self.auth_fail_next = 0  # HTTP 200 + return_code 3 [8005]
        self.fail_api: dict[str, int] = {}  # api-id -> answers left that fail (HTTP 500, return_code 1)
        # state
        self.tokens: set[str] = set()
        self.orders: list[FakeOrder] = []

    # ---- REST ---------------------------------------------------------------------------
    def route(self, req: Request) -> Reply:
        body = req.body or {}
        if req.path == "/oauth2/token":
            with self.lock:
                self.token_calls += 1
            if body.get("appkey") in self.other_env_keys:
                return fail(3, "인증에 실패했습니다[8030:투자구분(실전/모의)이 달라서 인증에 실패했습니다]")
            if not self._key_ok(str(body.get("appkey")), str(body.get("secretkey"))):
                return fail(3, "인증에 실패했습니다[8001:App Key와 Secret Key 검증에 실패했습니다]")
            token = "kw-" + secrets.token_hex(12)
            with self.lock:
                self.tokens.add(token)
            expires = (kst_now() + timedelta(hours=18)).strftime("%Y%m%d%H%M%S")
            return ok(expires_dt=expires, token_type="bearer", token=token)
        if req.path == "/oauth2/revoke":
            with self.lock:
                self.revoke_calls += 1
                self.tokens.discard(str(body.get("token")))
            return ok()
        api_id = req.headers.get("api-id", "")
        with self.lock:
            self.calls.append((time.monotonic(), api_id))
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return fail(5, RATE_MSG % api_id, 429)
            if self.rate_limit_200_next > 0:
                self.rate_limit_200_next -= 1
                return fail(5, RATE_MSG % api_id)
            token = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if self.auth_fail_next > 0 or token not in self.tokens:
                self.auth_fail_next = max(self.auth_fail_next - 1, 0)
                return fail(3, AUTH_FAILED)
        with self.lock:
            if self.fail_api.get(api_id, 0) > 0:
                self.fail_api[api_id] -= 1
                return fail(1, "[9999:시스템 장애가 발생했습니다]", 500)
        handler = getattr(self, "_" + api_id, None)
        if handler is None:
            return fail(2, f"[1511:필수 입력 값에 값이 존재하지 않습니다 api-id {api_id}]")
        return handler(body, req.headers)

    def _ka10001(self, body: dict, headers: dict) -> Reply:
        code = body.get("stk_cd", "")
        price = self.prices.get(code)
        if price is None:
            return fail(2, "[1902:종목 정보가 없습니다]")
        base = price - 500
        return ok(
            stk_cd=code,
            stk_nm=f"종목{code}",
            cur_prc=signed(price, 1),
            pred_pre=signed(500, 1),
            flu_rt="+0.72",
            trde_qty=str(self.volume(code)),
            trde_prica=str(self.volume(code) * price // 1_000_000),
            open_pric=signed(base + 100, 1),
            high_pric=signed(price + 300, 1),
            low_pric=signed(base - 200, -1),
            upl_pric=signed(int(base * 1.3), 1),
            lst_pric=signed(int(base * 0.7), -1),
            base_pric=str(base),
        )

    def _ka10004(self, body: dict, headers: dict) -> Reply:
        price = self.prices.get(body.get("stk_cd", ""), 0)
        out: dict[str, str] = {"bid_req_base_tm": kst_now().strftime("%H%M%S")}
        out["sel_fpr_bid"], out["sel_fpr_req"] = signed(price + 100, 1), "1000"
        out["buy_fpr_bid"], out["buy_fpr_req"] = signed(price, 1), "900"
        for n in range(2, 11):
            out[f"sel_{n}th_pre_bid"], out[f"sel_{n}th_pre_req"] = signed(price + 100 * n, 1), str(1000 * n)
            out[f"buy_{n}th_pre_bid"], out[f"buy_{n}th_pre_req"] = (
                signed(price - 100 * (n - 1), -1),
                str(900 * n),
            )
        return ok(**out)

    def _paged(self, rows: list[dict], headers: dict, key: str, page: int) -> Reply:
        offset = int(headers.get("next-key") or 0) if headers.get("cont-yn") == "Y" else 0
        chunk = rows[offset : offset + page]
        more = offset + page < len(rows)
        return ok(
            {"cont-yn": "Y" if more else "N", "next-key": str(offset + page) if more else ""}, **{key: chunk}
        )

    def _ka10081(self, body: dict, headers: dict) -> Reply:
        code = body.get("stk_cd", "")
        self.daily_codes.append(code)
        day = datetime.strptime(body["base_dt"], "%Y%m%d").date()
        rows = []
        while len(rows) < 600:
            if day.weekday() < 5:
                p = self.prices.get(code, 10000) + (day.toordinal() % 17) * 10
                rows.append(
                    {
                        "dt": day.strftime("%Y%m%d"),
                        "open_pric": signed(p - 50, 1),
                        "high_pric": signed(p + 100, 1),
                        "low_pric": signed(p - 100, -1),
                        "cur_prc": signed(p, 1),
                        "trde_qty": "1000",
                        "trde_prica": str(p // 1000),
                        "pred_pre": "+10",
                        "pred_pre_sig": "2",
                        "trde_tern_rt": "+0.12",  # 거래회전율 (notes ka10081)
                    }
                )
            day -= timedelta(days=1)
        return self._paged(rows, headers, "stk_dt_pole_chart_qry", 100)

    def _ka10080(self, body: dict, headers: dict) -> Reply:
        code = body.get("stk_cd", "")
        scope = int(body.get("tic_scope") or 1)
        day = datetime.strptime(body.get("base_dt") or kst_now().strftime("%Y%m%d"), "%Y%m%d")
        rows = []
        t = day.replace(hour=15, minute=30)
        while t >= day.replace(hour=9, minute=0) - timedelta(minutes=60):
            p = self.prices.get(code, 10000) + t.minute * 10
            rows.append(
                {
                    "cntr_tm": t.strftime("%Y%m%d%H%M%S"),
                    "cur_prc": signed(p, -1),
                    "open_pric": signed(p - 10, 1),
                    "high_pric": signed(p + 20, 1),
                    "low_pric": signed(p - 20, -1),
                    "trde_qty": str(10 * scope),
                }
            )
            t -= timedelta(minutes=scope)
        return self._paged(rows, headers, "stk_min_pole_chart_qry", 120)

    RANK_PAGE = 40  # ka10032 rows per page (undocumented); more come with cont-yn/next-key
    RANK_MARKETS = {"001": "KOSPI", "101": "KOSDAQ"}

    def _ka10032(self, body: dict, headers: dict) -> Reply:
        rows = []
        for i, code in enumerate(self.ranked(self.RANK_MARKETS.get(body.get("mrkt_tp", "000")))):
            price, vol = self.prices[code], self.volume(code)
            rows.append(
                {
                    "stk_cd": code,
                    "now_rank": str(i + 1),
                    "pred_rank": str(i + 2),
                    "stk_nm": f"종목{code}",
                    "cur_prc": signed(price, -1),
                    "pred_pre_sig": "5",
                    "pred_pre": "-100",
                    "flu_rt": "-0.14",
                    "now_trde_qty": str(vol),
                    "trde_prica": str(vol * price // 1_000_000),
                }
            )
        return self._paged(rows[:200], headers, "trde_prica_upper", self.RANK_PAGE)

    def _new_order(self, body: dict, side: str) -> Reply:
        code = body.get("stk_cd", "")
        qty = int(body.get("ord_qty") or 0)
        price = int(body.get("ord_uv") or 0)
        refusal = self.refusal(code, side == "2", qty, price)
        if refusal:
            return fail(*ORDER_REFUSALS[refusal])
        with self.lock:
            self.order_posts += 1
            ord_no = f"{self.next_order_number():07d}"
            order = FakeOrder(
                ord_no, code, side, qty, price, body.get("trde_tp", "0"), kst_now().strftime("%H%M%S")
            )
            if self.crosses(code, side == "2", price, order.trde_tp == "3"):
                order.filled, order.fill_price = qty, self.prices[code]
                self.cash = move_account(
                    self.cash, self.positions, code, side == "2", qty, qty * order.fill_price
                )
            self.orders.append(order)
        return self.order_answer(
            ok(ord_no=ord_no, dmst_stex_tp=body.get("dmst_stex_tp", "KRX")),
            Reply(500, {"return_code": 1, "return_msg": "[9999:시스템 오류]"}),
        )

    def _kt10000(self, body: dict, headers: dict) -> Reply:
        return self._new_order(body, "2")

    def _kt10001(self, body: dict, headers: dict) -> Reply:
        return self._new_order(body, "1")

    def _find(self, ord_no: str) -> FakeOrder | None:
        return next((o for o in self.orders if o.ord_no == ord_no), None)

    def _kt10002(self, body: dict, headers: dict) -> Reply:
        with self.lock:
            self.revise_posts += 1
            orig = self._find(body.get("orig_ord_no", ""))
            if orig is None or orig.cancelled or orig.filled >= orig.qty:
                return fail(2, "[4001:정정할 원주문이 없습니다]")
            qty = int(body.get("mdfy_qty") or 0)
            orig.qty -= qty
            orig.cancelled = orig.qty == orig.filled
            ord_no = f"{self.next_order_number():07d}"
            self.orders.append(
                FakeOrder(
                    ord_no,
                    orig.code,
                    orig.side,
                    qty,
                    int(body.get("mdfy_uv") or 0),
                    "0",
                    kst_now().strftime("%H%M%S"),
                    orig=orig.ord_no,
                )
            )
        return ok(ord_no=ord_no, base_orig_ord_no=orig.ord_no, mdfy_qty=str(qty))

    def _kt10003(self, body: dict, headers: dict) -> Reply:
        with self.lock:
            self.revise_posts += 1
            orig = self._find(body.get("orig_ord_no", ""))
            if orig is None or orig.cancelled or orig.filled >= orig.qty:
                return fail(2, "[4002:취소할 원주문이 없습니다]")
            qty = int(body.get("cncl_qty") or 0)
            remaining = orig.qty - orig.filled
            if qty == 0 or qty >= remaining:
                orig.cancelled = True
            else:
                orig.qty -= qty
            ord_no = f"{self.next_order_number():07d}"
        return ok(ord_no=ord_no, base_orig_ord_no=orig.ord_no, cncl_qty=str(qty))

    def _row(self, o: FakeOrder) -> dict[str, str]:
        state = "취소" if o.cancelled else "체결" if o.filled else "접수"
        return {
            "ord_no": o.ord_no,
            "stk_cd": o.code,
            "stk_nm": f"종목{o.code}",
            "ord_stt": state,
            "ord_qty": str(o.qty),
            "ord_pric": str(o.price),
            "oso_qty": "0" if o.cancelled else str(o.qty - o.filled),
            "io_tp_nm": "+매수" if o.side == "2" else "-매도",
            "trde_tp": "시장가" if o.trde_tp == "3" else "보통",
            "cntr_pric": str(o.fill_price),
            "cntr_qty": str(o.filled),
            "orig_ord_no": o.orig,
            "tdy_trde_cmsn": str(o.filled * o.fill_price * 15 // 100000),
            "tdy_trde_tax": "0",
        }

    def _ka10075(self, body: dict, headers: dict) -> Reply:
        with self.lock:
            rows = [self._row(o) | {"tm": o.tm} for o in self.orders if not o.cancelled and o.filled < o.qty]
        return ok(oso=rows)

    def _ka10076(self, body: dict, headers: dict) -> Reply:
        with self.lock:
            rows = [self._row(o) | {"ord_tm": o.tm} for o in self.orders if o.filled or o.cancelled]
        return ok(cntr=rows)

    def _kt00018(self, body: dict, headers: dict) -> Reply:
        rows = [
            {
                "stk_cd": "A" + code,
                "stk_nm": f"종목{code}",
                "rmnd_qty": f"{qty:015d}",
                "trde_able_qty": str(qty),
                "pur_pric": f"{cost // qty:015d}",
                "cur_prc": f"{self.prices[code]:015d}",
                "pur_amt": f"{cost:015d}",
            }
            for code, (qty, cost) in self.positions.items()
        ]
        rows.append({"stk_cd": "A000660", "rmnd_qty": "000000000000000", "pur_amt": "0", "cur_prc": "180000"})
        return ok(tot_pur_amt="650000", acnt_evlt_remn_indv_tot=rows)

    def _kt00001(self, body: dict, headers: dict) -> Reply:
        reserved = sum(o.price * (o.qty - o.filled) for o in self.orders if o.side == "2" and not o.cancelled)
        return ok(entr=f"{self.cash:015d}", ord_alow_amt=f"{self.cash - reserved:015d}")

    # ---- control hooks (tests) ----------------------------------------------------------
    def execute(self, ord_no: str, qty: int, price: int | None = None) -> None:
        """Fill ``qty`` more shares of resting order ``ord_no`` at ``price`` (default: the current price).

        ``cntr_qty`` grows, ``cntr_pric`` becomes the average execution price, and the deposit and
        holdings move (the fake's commission is in the rows; the deposit ignores it).
        """
        with self.lock:
            o = self._find(ord_no)
            if o is None or o.cancelled or qty < 1 or o.filled + qty > o.qty:
                raise ValueError(f"cannot fill {qty} of order {ord_no}")
            px = price or self.prices[o.code]
            amount = qty * px
            total = o.filled * o.fill_price + amount
            o.filled += qty
            o.fill_price = round(total / o.filled)
            self.cash = move_account(self.cash, self.positions, o.code, o.side == "2", qty, amount)

    # ---- websocket ----------------------------------------------------------------------
    async def on_ws_message(self, client: WsClient, msg: dict[str, Any]) -> None:
        trnm = msg.get("trnm")
        if trnm == "PING":
            self.pongs += 1
        elif trnm == "LOGIN":
            client.logged_in = msg.get("token") in self.tokens
            rc = 0 if client.logged_in else 100013
            answer = {"trnm": "LOGIN", "return_code": rc, "return_msg": "" if rc == 0 else AUTH_FAILED}
            await client.conn.send(json.dumps(answer | {"sor_yn": "Y"}))
        elif trnm in ("REG", "REMOVE"):
            if not client.logged_in:
                await client.conn.send(
                    json.dumps({"trnm": trnm, "return_code": 1, "return_msg": "LOGIN first"})
                )
                return
            for entry in msg.get("data") or []:
                for type_ in entry.get("type") or []:
                    for item in entry.get("item") or []:
                        (client.subs.add if trnm == "REG" else client.subs.discard)((type_, item))
            await client.conn.send(json.dumps({"trnm": trnm, "return_code": 0, "return_msg": ""}))

    def _real(self, type_: str, item: str, rows: list[dict]) -> int:
        frame = json.dumps({"trnm": "REAL", "data": rows}, ensure_ascii=False)
        return self.ws.call(self.send_to(type_, item, frame))

    def tick_row(self, code: str, price: int) -> dict:
        return {
            "type": "0B",
            "name": "주식체결",
            "item": code,
            "values": {
                "20": kst_now().strftime("%H%M%S"),
                "10": signed(price, -1),
                "11": "-100",
                "12": "-0.14",
                "15": "+12",
                "13": "123456",
                "14": "8642",
                "228": "98.76",
                "9081": "1",
            },
        }

    def tick_frame(self, code: str, price: int) -> tuple[str, str]:
        return "0B", json.dumps({"trnm": "REAL", "data": [self.tick_row(code, price)]}, ensure_ascii=False)

    def ticks_frame(self, code: str, prices: list[int]) -> tuple[str, str]:
        rows = [self.tick_row(code, p) for p in prices]
        return "0B", json.dumps({"trnm": "REAL", "data": rows}, ensure_ascii=False)

    def push_ticks(self, code: str, prices: list[int]) -> int:
        return self._real("0B", code, [self.tick_row(code, p) for p in prices])

    def push_book(self, code: str, price: int) -> int:
        values = {"21": kst_now().strftime("%H%M%S")}
        for i in range(10):
            values[str(41 + i)] = signed(price + 100 * (i + 1), 1)
            values[str(61 + i)] = str(100 + i)
            values[str(51 + i)] = signed(price - 100 * i, -1)
            values[str(71 + i)] = str(200 + i)
        return self._real(
            "0D", code, [{"type": "0D", "name": "주식호가잔량", "item": code, "values": values}]
        )

    def push_fill(self, ord_no: str, code: str, side: str, qty: int, price: int) -> int:
        values = {
            "9201": "1234567890",
            "9203": ord_no,
            "9001": "A" + code,
            "913": "체결",
            "900": str(qty),
            "901": str(price),
            "902": "0",
            "905": "+매수" if side == "2" else "-매도",
            "906": "보통",
            "907": side,
            "908": kst_now().strftime("%H%M%S"),
            "909": "77001",
            "910": str(price),
            "911": str(qty),
            "914": str(price),
            "915": str(qty),
            "938": "150",
            "939": "0",
        }
        return self._real("00", "", [{"type": "00", "name": "주문체결", "item": "", "values": values}])

    def push_ping(self) -> None:
        self.send_all(json.dumps({"trnm": "PING"}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Kiwoom REST API (REST + websocket)")
    parser.add_argument("--port", type=int, default=18090, help="REST port (websocket: --ws-port or port+1)")
    parser.add_argument("--ws-port", type=int, default=None)
    parser.add_argument("--env", choices=["mock", "real"], default="mock")
    parser.add_argument("--tick-interval", type=float, default=1.0)
    parser.add_argument(
        "--ticks-per-s", type=float, default=None, help="stream this many ticks/s over the subscribed codes"
    )
    parser.add_argument(
        "--stocks", type=int, default=None, help="serve this many listed stocks (default all)"
    )
    args = parser.parse_args(argv)
    fake = FakeKiwoom(
        args.env,
        accept_any_key=True,
        port=args.port,
        ws_port=args.ws_port or args.port + 1,
        tick_interval_s=None if args.ticks_per_s else args.tick_interval,
        universe=listing_universe(args.stocks),
    ).start()
    if args.ticks_per_s:
        fake.stream_ticks(args.ticks_per_s)
    serve_forever(
        fake,
        f"fake Kiwoom ({args.env}) REST {fake.rest_url}  websocket {fake.ws_url}",
        f"KIWOOM_REST_URL={fake.rest_url} KIWOOM_WS_URL={fake.ws_url}",
    )


if __name__ == "__main__":
    main()
