"""Wire field maps → domain objects. Each adapter names its payload fields once (a ``*Fields`` record);
the readers here do the defensive conversion the same way for both brokers: prices lose their
direction sign, volumes and 거래대금 are absolute, 거래대금 is scaled by the TR's unit (Kiwoom
reports some in 백만원)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trading.brokers.common.values import now_kst, strip_code, to_int, to_price
from trading.domain import Bar, Fill, Order, Position, Quote, RankRow


def _amount(row: dict[str, Any], field: str | None, unit: int) -> int:
    return abs(to_int(row.get(field))) * unit if field else 0


@dataclass(frozen=True, slots=True)
class QuoteFields:
    """Current price, previous close (or the change against it), OHLC, volume, 거래대금, limits."""

    price: str
    base: str
    change: str
    open: str
    high: str
    low: str
    volume: str
    value: str
    upper: str
    lower: str


def read_quote(
    code: str, out: dict[str, Any], f: QuoteFields, unit: int = 1, at: datetime | None = None
) -> Quote:
    price = to_price(out.get(f.price))
    return Quote(
        code=code,
        price=price,
        prev_close=to_price(out.get(f.base)) or price - to_int(out.get(f.change)),
        open=to_price(out.get(f.open)),
        high=to_price(out.get(f.high)),
        low=to_price(out.get(f.low)),
        volume=abs(to_int(out.get(f.volume))),
        value=_amount(out, f.value, unit),
        upper_limit=to_price(out.get(f.upper)),
        lower_limit=to_price(out.get(f.lower)),
        time=at or now_kst(),
    )


@dataclass(frozen=True, slots=True)
class BarFields:
    open: str
    high: str
    low: str
    close: str
    volume: str
    value: str | None = None  # minute TRs may not carry 거래대금


def read_bar(code: str, at: datetime, row: dict[str, Any], f: BarFields, unit: int = 1) -> Bar:
    return Bar(
        code=code,
        time=at,
        open=to_price(row.get(f.open)),
        high=to_price(row.get(f.high)),
        low=to_price(row.get(f.low)),
        close=to_price(row.get(f.close)),
        volume=abs(to_int(row.get(f.volume))),
        value=_amount(row, f.value, unit),
    )


@dataclass(frozen=True, slots=True)
class RankFields:
    rank: str
    code: str
    name: str
    price: str
    change: str
    volume: str
    value: str


def read_rank_row(
    row: dict[str, Any], f: RankFields, market: str | None, unit: int = 1, prev_close: int | None = None
) -> RankRow:
    """``prev_close`` overrides ``price − change`` where the adapter derives it otherwise."""
    price = to_price(row.get(f.price))
    return RankRow(
        rank=to_int(row.get(f.rank)),
        code=strip_code(row.get(f.code)),
        name=str(row.get(f.name) or "").strip(),
        market=market or "",
        sector="",
        price=price,
        prev_close=price - to_int(row.get(f.change)) if prev_close is None else prev_close,
        volume=abs(to_int(row.get(f.volume))),
        value=_amount(row, f.value, unit),
    )


@dataclass(frozen=True, slots=True)
class PositionFields:
    code: str
    qty: str
    cost: str
    price: str


def read_positions(rows: Iterable[dict[str, Any]], f: PositionFields) -> tuple[Position, ...]:
    """Holdings with shares left (sold-out rows linger in balance TRs until settlement)."""
    return tuple(
        Position(
            code=strip_code(row.get(f.code)),
            qty=to_int(row.get(f.qty)),
            cost=to_int(row.get(f.cost)),
            price=to_price(row.get(f.price)),
        )
        for row in rows
        if to_int(row.get(f.qty)) > 0
    )


def order_fill(order: Order, price: int, commission: int = 0, tax: int = 0) -> Fill | None:
    """Both brokers' daily TRs report executions per order: one ``Fill`` per order with its totals."""
    if order.filled_qty <= 0:
        return None
    return Fill(
        fill_id=order.order_id,
        order_id=order.order_id,
        code=order.code,
        side=order.side,
        price=price,
        qty=order.filled_qty,
        commission=commission,
        tax=tax,
        time=order.updated_at or order.created_at or now_kst(),
    )
