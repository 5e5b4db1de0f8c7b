"""KIS REST payloads → domain objects. Every field is read defensively (missing, empty, padded)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from trading import domain
from trading.brokers.common import fields
from trading.brokers.common.values import kst_at, now_kst, parse_ymd, to_float, to_int, to_price

SIDE_BY_CODE = {"01": domain.Side.SELL, "02": domain.Side.BUY}  # sll_buy_dvsn_cd / SELN_BYOV_CLS
MARKET_ORDER_DIVS = frozenset({"01", "03", "04", "13", "14", "15", "16"})


QUOTE = fields.QuoteFields(
    "stck_prpr", "stck_sdpr", "prdy_vrss", "stck_oprc", "stck_hgpr", "stck_lwpr",
    "acml_vol", "acml_tr_pbmn", "stck_mxpr", "stck_llam",
)  # fmt: skip
DAILY_BAR = fields.BarFields("stck_oprc", "stck_hgpr", "stck_lwpr", "stck_clpr", "acml_vol", "acml_tr_pbmn")
MINUTE_BAR = fields.BarFields("stck_oprc", "stck_hgpr", "stck_lwpr", "stck_prpr", "cntg_vol", "acml_tr_pbmn")
RANK = fields.RankFields(
    "data_rank", "mksc_shrn_iscd", "hts_kor_isnm", "stck_prpr", "prdy_vrss", "acml_vol", "acml_tr_pbmn"
)
POSITION = fields.PositionFields("pdno", "hldg_qty", "pchs_amt", "prpr")


def quote(code: str, out: dict[str, Any], at: datetime | None = None) -> domain.Quote:
    """inquire-price ``output``."""
    return fields.read_quote(code, out, QUOTE, at=at)


def order_book(code: str, out: dict[str, Any], day: date | None = None) -> domain.OrderBook:
    """inquire-asking-price-exp-ccn ``output1``: askp1..10 / bidp1..10 with their 잔량."""
    asks = tuple(
        domain.BookLevel(to_price(out.get(f"askp{i}")), to_int(out.get(f"askp_rsqn{i}")))
        for i in range(1, 11)
    )
    bids = tuple(
        domain.BookLevel(to_price(out.get(f"bidp{i}")), to_int(out.get(f"bidp_rsqn{i}")))
        for i in range(1, 11)
    )
    hms = out.get("aspr_acpt_hour")
    at = kst_at(day or now_kst().date(), hms) if hms else now_kst()
    return domain.OrderBook(code=code, asks=asks, bids=bids, time=at)


def daily_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[domain.Bar]:
    """inquire-daily-itemchartprice ``output2`` rows (newest first on the wire)."""
    bars = []
    for row in rows:
        day = parse_ymd(row.get("stck_bsop_date"))
        if day is not None and to_price(row.get("stck_clpr")):
            bars.append(fields.read_bar(code, kst_at(day, None), row, DAILY_BAR))
    return bars


def minute_bars(code: str, rows: Iterable[dict[str, Any]]) -> list[domain.Bar]:
    """inquire-time-itemchartprice ``output2`` rows: 1-minute bars labelled by ``stck_cntg_hour``."""
    bars = []
    for row in rows:
        day = parse_ymd(row.get("stck_bsop_date"))
        if day is not None and row.get("stck_cntg_hour"):
            bars.append(fields.read_bar(code, kst_at(day, row.get("stck_cntg_hour")), row, MINUTE_BAR))
    return bars


def rank_rows(rows: Iterable[dict[str, Any]], market: str | None) -> list[domain.RankRow]:
    """volume-rank ``output`` rows; the previous close comes from 전일대비 (or the % change)."""
    return [fields.read_rank_row(row, RANK, market, prev_close=_prev_close(row)) for row in rows]


def _prev_close(row: dict[str, Any]) -> int:
    price = to_price(row.get("stck_prpr"))
    if "prdy_vrss" in row and str(row.get("prdy_vrss")).strip():
        return price - to_int(row.get("prdy_vrss"))
    pct = to_float(row.get("prdy_ctrt"))
    return round(price / (1 + pct / 100)) if pct > -100 else price


def order_status(row: dict[str, Any]) -> domain.OrderStatus:
    qty = to_int(row.get("ord_qty"))
    filled = to_int(row.get("tot_ccld_qty"))
    remaining = to_int(row.get("rmn_qty"), qty - filled)
    if str(row.get("cncl_yn", "")).upper() == "Y":
        return domain.OrderStatus.CANCELLED
    if to_int(row.get("rjct_qty")) > 0 and filled == 0:
        return domain.OrderStatus.REJECTED
    if filled >= qty > 0:
        return domain.OrderStatus.FILLED
    if remaining <= 0:
        return domain.OrderStatus.CANCELLED
    return domain.OrderStatus.PARTIAL if filled > 0 else domain.OrderStatus.OPEN


def order(row: dict[str, Any], day: date) -> domain.Order | None:
    """One inquire-daily-ccld ``output1`` row (None for modify/cancel request rows)."""
    if str(row.get("rvse_cncl_dvsn_cd", "")).strip() == "02":
        return None  # the cancel request itself, not an order
    order_id = str(row.get("odno") or "").strip()
    side = SIDE_BY_CODE.get(str(row.get("sll_buy_dvsn_cd", "")).strip().zfill(2))
    if not order_id or side is None:
        return None
    order_day = parse_ymd(row.get("ord_dt")) or day
    division = str(row.get("ord_dvsn_cd", "")).strip().zfill(2)
    order_type = domain.OrderType.MARKET if division in MARKET_ORDER_DIVS else domain.OrderType.LIMIT
    filled = to_int(row.get("tot_ccld_qty"))
    created = kst_at(order_day, row.get("ord_tmd"))
    return domain.Order(
        order_id=order_id,
        code=str(row.get("pdno") or "").strip(),
        side=side,
        order_type=order_type,
        price=None if order_type == domain.OrderType.MARKET else to_price(row.get("ord_unpr")),
        qty=to_int(row.get("ord_qty")),
        filled_qty=filled,
        filled_amount=to_int(row.get("tot_ccld_amt")) or filled * to_int(row.get("avg_prvs")),
        status=order_status(row),
        created_at=created,
        updated_at=created,
    )


def fill_from_order(row: dict[str, Any], order_: domain.Order) -> domain.Fill | None:
    """KIS's daily TR reports executions per order: one ``Fill`` per order with its totals."""
    average = round(order_.filled_amount / order_.filled_qty) if order_.filled_qty else 0
    return fields.order_fill(order_, to_price(row.get("avg_prvs")) or average)


def balance(holdings: Iterable[dict[str, Any]], summary: dict[str, Any], orderable: int) -> domain.Balance:
    """inquire-balance ``output1`` rows + ``output2`` summary, and inquire-psbl-order cash."""
    return domain.Balance(
        cash=to_int(summary.get("dnca_tot_amt")),
        orderable=orderable,
        positions=fields.read_positions(holdings, POSITION),
    )
