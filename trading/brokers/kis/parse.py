"""KIS REST payloads → domain objects. Every field is read defensively (missing, empty, padded)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from trading.brokers.common.values import kst_at, now_kst, parse_ymd, to_float, to_int, to_price
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

SIDE_BY_CODE = {"01": Side.SELL, "02": Side.BUY}  # sll_buy_dvsn_cd / SELN_BYOV_CLS
MARKET_ORDER_DIVS = frozenset({"01", "03", "04", "13", "14", "15", "16"})


def quote(code: str, out: dict[str, Any], at: datetime | None = None) -> Quote:
    """inquire-price ``output``."""
    price = to_price(out.get("stck_prpr"))
    prev = to_price(out.get("stck_sdpr")) or price - to_int(out.get("prdy_vrss"))
    return Quote(
        code=code,
        price=price,
        prev_close=prev,
        open=to_price(out.get("stck_oprc")),
        high=to_price(out.get("stck_hgpr")),
        low=to_price(out.get("stck_lwpr")),
        volume=to_int(out.get("acml_vol")),
        value=to_int(out.get("acml_tr_pbmn")),
        upper_limit=to_price(out.get("stck_mxpr")),
        lower_limit=to_price(out.get("stck_llam")),
        time=at or now_kst(),
    )


def order_book(code: str, out: dict[str, Any], day: date | None = None) -> OrderBook:
    """inquire-asking-price-exp-ccn ``output1``: askp1..10 / bidp1..10 with their 잔량."""
    asks = tuple(
        BookLevel(to_price(out.get(f"askp{i}")), to_int(out.get(f"askp_rsqn{i}"))) for i in range(1, 11)
    )
    bids = tuple(
        BookLevel(to_price(out.get(f"bidp{i}")), to_int(out.get(f"bidp_rsqn{i}"))) for i in range(1, 11)
    )
    hms = out.get("aspr_acpt_hour")
    at = kst_at(day or now_kst().date(), hms) if hms else now_kst()
    return OrderBook(code=code, asks=asks, bids=bids, time=at)


def daily_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[Bar]:
    """inquire-daily-itemchartprice ``output2`` rows (newest first on the wire)."""
    bars = []
    for row in rows:
        day = parse_ymd(row.get("stck_bsop_date"))
        if day is None or not to_price(row.get("stck_clpr")):
            continue
        bars.append(
            Bar(
                code=code,
                time=kst_at(day, None),
                open=to_price(row.get("stck_oprc")),
                high=to_price(row.get("stck_hgpr")),
                low=to_price(row.get("stck_lwpr")),
                close=to_price(row.get("stck_clpr")),
                volume=to_int(row.get("acml_vol")),
                value=to_int(row.get("acml_tr_pbmn")),
            )
        )
    return bars


def minute_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[Bar]:
    """inquire-time-itemchartprice ``output2`` rows: 1-minute bars labelled by ``stck_cntg_hour``."""
    bars = []
    for row in rows:
        day = parse_ymd(row.get("stck_bsop_date"))
        if day is None or not row.get("stck_cntg_hour"):
            continue
        bars.append(
            Bar(
                code=code,
                time=kst_at(day, row.get("stck_cntg_hour")),
                open=to_price(row.get("stck_oprc")),
                high=to_price(row.get("stck_hgpr")),
                low=to_price(row.get("stck_lwpr")),
                close=to_price(row.get("stck_prpr")),
                volume=to_int(row.get("cntg_vol")),
                value=to_int(row.get("acml_tr_pbmn")),
            )
        )
    return bars


def rank_rows(rows: Iterable[dict[str, Any]], market: str | None) -> list[RankRow]:
    """volume-rank ``output`` rows; the previous close comes from 전일대비 (or the % change)."""
    result = []
    for row in rows:
        price = to_price(row.get("stck_prpr"))
        if "prdy_vrss" in row and str(row.get("prdy_vrss")).strip():
            prev = price - to_int(row.get("prdy_vrss"))
        else:
            pct = to_float(row.get("prdy_ctrt"))
            prev = round(price / (1 + pct / 100)) if pct > -100 else price
        result.append(
            RankRow(
                rank=to_int(row.get("data_rank")),
                code=str(row.get("mksc_shrn_iscd") or "").strip(),
                name=str(row.get("hts_kor_isnm") or "").strip(),
                market=market or "",
                sector="",
                price=price,
                prev_close=prev,
                volume=to_int(row.get("acml_vol")),
                value=to_int(row.get("acml_tr_pbmn")),
            )
        )
    return result


def order_status(row: dict[str, Any]) -> OrderStatus:
    qty = to_int(row.get("ord_qty"))
    filled = to_int(row.get("tot_ccld_qty"))
    remaining = to_int(row.get("rmn_qty"), qty - filled)
    if str(row.get("cncl_yn", "")).upper() == "Y":
        return OrderStatus.CANCELLED
    if to_int(row.get("rjct_qty")) > 0 and filled == 0:
        return OrderStatus.REJECTED
    if filled >= qty > 0:
        return OrderStatus.FILLED
    if remaining <= 0:
        return OrderStatus.CANCELLED
    return OrderStatus.PARTIAL if filled > 0 else OrderStatus.OPEN


def order(row: dict[str, Any], day: date) -> Order | None:
    """One inquire-daily-ccld ``output1`` row (None for modify/cancel request rows)."""
    if str(row.get("rvse_cncl_dvsn_cd", "")).strip() == "02":
        return None  # the cancel request itself, not an order
    order_id = str(row.get("odno") or "").strip()
    side = SIDE_BY_CODE.get(str(row.get("sll_buy_dvsn_cd", "")).strip().zfill(2))
    if not order_id or side is None:
        return None
    order_day = parse_ymd(row.get("ord_dt")) or day
    division = str(row.get("ord_dvsn_cd", "")).strip().zfill(2)
    order_type = OrderType.MARKET if division in MARKET_ORDER_DIVS else OrderType.LIMIT
    filled = to_int(row.get("tot_ccld_qty"))
    created = kst_at(order_day, row.get("ord_tmd"))
    return Order(
        order_id=order_id,
        code=str(row.get("pdno") or "").strip(),
        side=side,
        order_type=order_type,
        price=None if order_type == OrderType.MARKET else to_price(row.get("ord_unpr")),
        qty=to_int(row.get("ord_qty")),
        filled_qty=filled,
        filled_amount=to_int(row.get("tot_ccld_amt")) or filled * to_int(row.get("avg_prvs")),
        status=order_status(row),
        created_at=created,
        updated_at=created,
    )


def fill_from_order(row: dict[str, Any], order_: Order) -> Fill | None:
    """KIS's daily TR reports executions per order: one ``Fill`` per order with its totals."""
    if order_.filled_qty <= 0:
        return None
    price = round(order_.filled_amount / order_.filled_qty) if order_.filled_qty else 0
    return Fill(
        fill_id=order_.order_id,
        order_id=order_.order_id,
        code=order_.code,
        side=order_.side,
        price=to_price(row.get("avg_prvs")) or price,
        qty=order_.filled_qty,
        commission=0,
        tax=0,
        time=order_.updated_at or order_.created_at or now_kst(),
    )


def balance(holdings: Iterable[dict[str, Any]], summary: dict[str, Any], orderable: int) -> Balance:
    """inquire-balance ``output1`` rows + ``output2`` summary, and inquire-psbl-order cash."""
    positions = tuple(
        Position(
            code=str(row.get("pdno") or "").strip(),
            qty=to_int(row.get("hldg_qty")),
            cost=to_int(row.get("pchs_amt")),
            price=to_price(row.get("prpr")),
        )
        for row in holdings
        if to_int(row.get("hldg_qty")) > 0  # sold-out rows linger until D+2
    )
    return Balance(cash=to_int(summary.get("dnca_tot_amt")), orderable=orderable, positions=positions)
