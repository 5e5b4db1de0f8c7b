"""Kiwoom payloads → domain objects. Prices carry a +/− direction sign (abs() them), numbers are
strings (zero-padded in account TRs), codes may carry an ``A`` prefix or ``_NX``/``_AL`` suffix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from trading import domain
from trading.brokers.common import fields
from trading.brokers.common.values import (
    kst_at,
    now_kst,
    parse_ymd,
    parse_ymdhms,
    strip_code,
    to_int,
    to_price,
)

QUOTE = fields.QuoteFields(
    "cur_prc", "base_pric", "pred_pre", "open_pric", "high_pric", "low_pric",
    "trde_qty", "trde_prica", "upl_pric", "lst_pric",
)  # fmt: skip
DAILY_BAR = fields.BarFields("open_pric", "high_pric", "low_pric", "cur_prc", "trde_qty", "trde_prica")
MINUTE_BAR = fields.BarFields("open_pric", "high_pric", "low_pric", "cur_prc", "trde_qty")
RANK = fields.RankFields("now_rank", "stk_cd", "stk_nm", "cur_prc", "pred_pre", "now_trde_qty", "trde_prica")
POSITION = fields.PositionFields("stk_cd", "rmnd_qty", "pur_amt", "cur_prc")


def quote(code: str, out: dict[str, Any], value_unit: int, at: datetime | None = None) -> domain.Quote:
    """ka10001. 거래대금 is not documented for this TR: ``trde_prica`` when present, else 0."""
    return fields.read_quote(code, out, QUOTE, value_unit, at)


def order_book(code: str, out: dict[str, Any]) -> domain.OrderBook:
    """ka10004: level 1 is ``sel_fpr_bid``/``buy_fpr_bid``, levels 2..10 ``sel_{n}th_pre_bid``."""

    def level(side: str, n: int) -> domain.BookLevel:
        if n == 1:
            return domain.BookLevel(
                to_price(out.get(f"{side}_fpr_bid")), abs(to_int(out.get(f"{side}_fpr_req")))
            )
        return domain.BookLevel(
            to_price(out.get(f"{side}_{n}th_pre_bid")), abs(to_int(out.get(f"{side}_{n}th_pre_req")))
        )

    hms = out.get("bid_req_base_tm")
    return domain.OrderBook(
        code=code,
        asks=tuple(level("sel", n) for n in range(1, 11)),
        bids=tuple(level("buy", n) for n in range(1, 11)),
        time=kst_at(now_kst().date(), hms) if hms else now_kst(),
    )


def daily_bars(code: str, rows: Iterable[dict[str, Any]], value_unit: int) -> list[domain.Bar]:
    """ka10081 ``stk_dt_pole_chart_qry``."""
    days = ((parse_ymd(row.get("dt")), row) for row in rows)
    return [fields.read_bar(code, kst_at(day, None), row, DAILY_BAR, value_unit) for day, row in days if day]


def minute_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[domain.Bar]:
    """ka10080 ``stk_min_pole_chart_qry`` (``cntr_tm`` = YYYYMMDDHHMMSS)."""
    times = ((parse_ymdhms(row.get("cntr_tm")), row) for row in rows)
    return [fields.read_bar(code, at, row, MINUTE_BAR) for at, row in times if at is not None]


def rank_rows(rows: Iterable[dict[str, Any]], market: str | None, value_unit: int) -> list[domain.RankRow]:
    """ka10032 ``trde_prica_upper``."""
    return [fields.read_rank_row(row, RANK, market, value_unit) for row in rows]


def side_of(text: Any) -> domain.Side | None:
    """``io_tp_nm`` such as ``"+매수"``, ``"-매도"``, ``"매수정정"``; 907 codes ``1`` sell / ``2`` buy."""
    value = str(text or "").strip()
    if value in ("1", "2"):
        return domain.Side.SELL if value == "1" else domain.Side.BUY
    if "매수" in value:
        return domain.Side.BUY
    if "매도" in value:
        return domain.Side.SELL
    return None


def _status(state: str, qty: int, filled: int, open_qty: int) -> domain.OrderStatus:
    if "거부" in state:
        return domain.OrderStatus.REJECTED
    if filled >= qty > 0:
        return domain.OrderStatus.FILLED
    if "취소" in state or open_qty <= 0:
        return domain.OrderStatus.CANCELLED
    return domain.OrderStatus.PARTIAL if filled > 0 else domain.OrderStatus.OPEN


def order(row: dict[str, Any], day: date) -> domain.Order | None:
    """One ka10075 ``oso`` or ka10076 ``cntr`` row; None for cancel-request rows."""
    io = str(row.get("io_tp_nm") or "")
    if "취소" in io:
        return None
    order_id = str(row.get("ord_no") or "").strip()
    side = side_of(io)
    if not order_id or side is None:
        return None
    qty = to_int(row.get("ord_qty"))
    open_qty = to_int(row.get("oso_qty"))
    state = str(row.get("ord_stt") or "")
    # qty − 미체결 is the filled quantity of a live order only: a cancelled or rejected order has
    # nothing left open either, and its cancelled remainder is not filled.
    live = "oso_qty" in row and "취소" not in state and "거부" not in state
    filled = max(to_int(row.get("cntr_qty")), qty - open_qty if live else 0)
    fill_price = to_price(row.get("cntr_pric"))
    market = "시장가" in str(row.get("trde_tp") or "")
    hms = row.get("ord_tm") or row.get("tm")
    created = kst_at(day, str(hms or "").replace(":", ""))
    return domain.Order(
        order_id=order_id,
        code=strip_code(row.get("stk_cd")),
        side=side,
        order_type=domain.OrderType.MARKET if market else domain.OrderType.LIMIT,
        price=None if market else to_price(row.get("ord_pric")),
        qty=qty,
        filled_qty=filled,
        filled_amount=filled * fill_price,
        status=_status(state, qty, filled, open_qty),
        created_at=created,
        updated_at=created,
    )


def fill(row: dict[str, Any], order_: domain.Order) -> domain.Fill | None:
    """ka10076 reports executions per order: one ``Fill`` per order with its totals and costs."""
    return fields.order_fill(
        order_,
        to_price(row.get("cntr_pric")),
        to_int(row.get("tdy_trde_cmsn")),
        to_int(row.get("tdy_trde_tax")),
    )


def balance(rows: Iterable[dict[str, Any]], deposit: dict[str, Any]) -> domain.Balance:
    """kt00018 ``acnt_evlt_remn_indv_tot`` + kt00001 (``entr`` 예수금, ``ord_alow_amt`` 주문가능금액)."""
    return domain.Balance(
        cash=to_int(deposit.get("entr")),
        orderable=to_int(deposit.get("ord_alow_amt")),
        positions=fields.read_positions(rows, POSITION),
    )
