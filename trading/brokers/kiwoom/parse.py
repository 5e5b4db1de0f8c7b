"""Kiwoom payloads → domain objects. Prices carry a +/− direction sign (abs() them), numbers are
strings (zero-padded in account TRs), codes may carry an ``A`` prefix or ``_NX``/``_AL`` suffix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from trading.brokers.common.values import (
    kst_at,
    now_kst,
    parse_ymd,
    parse_ymdhms,
    strip_code,
    to_int,
    to_price,
)
from trading.domain import (
    Balance,
    Bar,
    BookLevel,
    Fill,
    Order,
    OrderBook,
    OrderStatus,
    OrderType,
    Position,
    Quote,
    RankRow,
    Side,
)


def quote(code: str, out: dict[str, Any], value_unit: int, at: datetime | None = None) -> Quote:
    """ka10001. 거래대금 is not documented for this TR: ``trde_prica`` when present, else 0."""
    price = to_price(out.get("cur_prc"))
    prev = to_price(out.get("base_pric")) or price - to_int(out.get("pred_pre"))
    return Quote(
        code=code,
        price=price,
        prev_close=prev,
        open=to_price(out.get("open_pric")),
        high=to_price(out.get("high_pric")),
        low=to_price(out.get("low_pric")),
        volume=abs(to_int(out.get("trde_qty"))),
        value=abs(to_int(out.get("trde_prica"))) * value_unit,
        upper_limit=to_price(out.get("upl_pric")),
        lower_limit=to_price(out.get("lst_pric")),
        time=at or now_kst(),
    )


def order_book(code: str, out: dict[str, Any]) -> OrderBook:
    """ka10004: level 1 is ``sel_fpr_bid``/``buy_fpr_bid``, levels 2..10 ``sel_{n}th_pre_bid``."""

    def level(side: str, n: int) -> BookLevel:
        if n == 1:
            return BookLevel(to_price(out.get(f"{side}_fpr_bid")), abs(to_int(out.get(f"{side}_fpr_req"))))
        return BookLevel(
            to_price(out.get(f"{side}_{n}th_pre_bid")), abs(to_int(out.get(f"{side}_{n}th_pre_req")))
        )

    hms = out.get("bid_req_base_tm")
    return OrderBook(
        code=code,
        asks=tuple(level("sel", n) for n in range(1, 11)),
        bids=tuple(level("buy", n) for n in range(1, 11)),
        time=kst_at(now_kst().date(), hms) if hms else now_kst(),
    )


def daily_bars(code: str, rows: Iterable[dict[str, Any]], value_unit: int) -> list[Bar]:
    """ka10081 ``stk_dt_pole_chart_qry``."""
    bars = []
    for row in rows:
        day = parse_ymd(row.get("dt"))
        if day is None:
            continue
        bars.append(
            Bar(
                code=code,
                time=kst_at(day, None),
                open=to_price(row.get("open_pric")),
                high=to_price(row.get("high_pric")),
                low=to_price(row.get("low_pric")),
                close=to_price(row.get("cur_prc")),
                volume=abs(to_int(row.get("trde_qty"))),
                value=abs(to_int(row.get("trde_prica"))) * value_unit,
            )
        )
    return bars


def minute_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[Bar]:
    """ka10080 ``stk_min_pole_chart_qry`` (``cntr_tm`` = YYYYMMDDHHMMSS)."""
    bars = []
    for row in rows:
        at = parse_ymdhms(row.get("cntr_tm"))
        if at is None:
            continue
        bars.append(
            Bar(
                code=code,
                time=at,
                open=to_price(row.get("open_pric")),
                high=to_price(row.get("high_pric")),
                low=to_price(row.get("low_pric")),
                close=to_price(row.get("cur_prc")),
                volume=abs(to_int(row.get("trde_qty"))),
            )
        )
    return bars


def rank_rows(rows: Iterable[dict[str, Any]], market: str | None, value_unit: int) -> list[RankRow]:
    """ka10032 ``trde_prica_upper``."""
    result = []
    for row in rows:
        price = to_price(row.get("cur_prc"))
        result.append(
            RankRow(
                rank=to_int(row.get("now_rank")),
                code=strip_code(row.get("stk_cd")),
                name=str(row.get("stk_nm") or "").strip(),
                market=market or "",
                sector="",
                price=price,
                prev_close=price - to_int(row.get("pred_pre")),
                volume=abs(to_int(row.get("now_trde_qty"))),
                value=abs(to_int(row.get("trde_prica"))) * value_unit,
            )
        )
    return result


def side_of(text: Any) -> Side | None:
    """``io_tp_nm`` such as ``"+매수"``, ``"-매도"``, ``"매수정정"``; 907 codes ``1`` sell / ``2`` buy."""
    value = str(text or "").strip()
    if value in ("1", "2"):
        return Side.SELL if value == "1" else Side.BUY
    if "매수" in value:
        return Side.BUY
    if "매도" in value:
        return Side.SELL
    return None


def _status(state: str, qty: int, filled: int, open_qty: int) -> OrderStatus:
    if "거부" in state:
        return OrderStatus.REJECTED
    if filled >= qty > 0:
        return OrderStatus.FILLED
    if "취소" in state or open_qty <= 0:
        return OrderStatus.CANCELLED
    return OrderStatus.PARTIAL if filled > 0 else OrderStatus.OPEN


def order(row: dict[str, Any], day: date) -> Order | None:
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
    return Order(
        order_id=order_id,
        code=strip_code(row.get("stk_cd")),
        side=side,
        order_type=OrderType.MARKET if market else OrderType.LIMIT,
        price=None if market else to_price(row.get("ord_pric")),
        qty=qty,
        filled_qty=filled,
        filled_amount=filled * fill_price,
        status=_status(state, qty, filled, open_qty),
        created_at=created,
        updated_at=created,
    )


def fill(row: dict[str, Any], order_: Order) -> Fill | None:
    """ka10076 reports executions per order: one ``Fill`` per order with its totals and costs."""
    if order_.filled_qty <= 0:
        return None
    return Fill(
        fill_id=order_.order_id,
        order_id=order_.order_id,
        code=order_.code,
        side=order_.side,
        price=to_price(row.get("cntr_pric")),
        qty=order_.filled_qty,
        commission=to_int(row.get("tdy_trde_cmsn")),
        tax=to_int(row.get("tdy_trde_tax")),
        time=order_.updated_at or now_kst(),
    )


def balance(rows: Iterable[dict[str, Any]], deposit: dict[str, Any]) -> Balance:
    """kt00018 ``acnt_evlt_remn_indv_tot`` + kt00001 (``entr`` 예수금, ``ord_alow_amt`` 주문가능금액)."""
    positions = tuple(
        Position(
            code=strip_code(row.get("stk_cd")),
            qty=to_int(row.get("rmnd_qty")),
            cost=to_int(row.get("pur_amt")),
            price=to_price(row.get("cur_prc")),
        )
        for row in rows
        if to_int(row.get("rmnd_qty")) > 0
    )
    return Balance(
        cash=to_int(deposit.get("entr")), orderable=to_int(deposit.get("ord_alow_amt")), positions=positions
    )
