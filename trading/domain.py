"""Domain types shared by every layer.

Money is exact: prices and amounts are ``int`` won, quantities are whole shares.
Times are timezone-aware (KST unless stated otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
CODE_RE = re.compile(r"[0-9A-Z]{6}")  # fullmatch: "005930\n" is not a code


def is_valid_code(code: str) -> bool:
    """True for a KRX short code: 6 characters of [0-9A-Z] (new listings are not all digits)."""
    return isinstance(code, str) and CODE_RE.fullmatch(code) is not None


class Market(StrEnum):
    KOSPI = "KOSPI"
    KOSDAQ = "KOSDAQ"
    KONEX = "KONEX"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class OrderStatus(StrEnum):
    OPEN = "open"  # accepted, resting, nothing filled
    PARTIAL = "partial"  # partly filled, remainder resting
    FILLED = "filled"
    CANCELLED = "cancelled"  # remainder cancelled (may have fills)
    REJECTED = "rejected"

    @property
    def is_active(self) -> bool:
        return self in (OrderStatus.OPEN, OrderStatus.PARTIAL)


@dataclass(frozen=True, slots=True)
class Quote:
    code: str
    price: int
    prev_close: int
    open: int
    high: int
    low: int
    volume: int  # shares traded today
    value: int  # 거래대금 today, won
    upper_limit: int
    lower_limit: int
    time: datetime
    strength: float = 100.0  # 체결강도 (buy volume / sell volume * 100)

    @property
    def change(self) -> int:
        return self.price - self.prev_close

    @property
    def change_pct(self) -> float:
        return (self.price - self.prev_close) * 100.0 / self.prev_close if self.prev_close else 0.0


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: int
    qty: int


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Ten levels each side; ``asks[0]`` is the best (lowest) ask, ``bids[0]`` the best bid."""

    code: str
    asks: tuple[BookLevel, ...]
    bids: tuple[BookLevel, ...]
    time: datetime

    @property
    def total_ask_qty(self) -> int:
        return sum(level.qty for level in self.asks)

    @property
    def total_bid_qty(self) -> int:
        return sum(level.qty for level in self.bids)


@dataclass(frozen=True, slots=True)
class Bar:
    code: str
    time: datetime  # bar start (daily bars: the session date at 00:00 KST)
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int = 0


@dataclass(frozen=True, slots=True)
class Tick:
    code: str
    time: datetime
    seq: int  # per-code sequence number within the day, strictly increasing
    price: int
    volume: int
    cum_volume: int
    cum_value: int
    strength: float = 100.0


@dataclass(frozen=True, slots=True)
class RankRow:
    rank: int
    code: str
    name: str
    market: str
    sector: str
    price: int
    prev_close: int
    volume: int
    value: int

    @property
    def change(self) -> int:
        return self.price - self.prev_close

    @property
    def change_pct(self) -> float:
        return (self.price - self.prev_close) * 100.0 / self.prev_close if self.prev_close else 0.0


@dataclass(frozen=True, slots=True)
class OrderRequest:
    code: str
    side: Side
    qty: int
    order_type: OrderType = OrderType.LIMIT
    price: int | None = None  # required for LIMIT, ignored for MARKET
    client_order_id: str | None = None  # same id on a retry = the same order


@dataclass(slots=True)
class Order:
    order_id: str
    code: str
    side: Side
    order_type: OrderType
    price: int | None
    qty: int
    filled_qty: int = 0
    filled_amount: int = 0  # sum of fill price * qty, won
    status: OrderStatus = OrderStatus.OPEN
    client_order_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reject_code: str | None = None
    reject_message: str | None = None

    @property
    def remaining_qty(self) -> int:
        return self.qty - self.filled_qty if self.status.is_active else 0

    @property
    def avg_fill_price(self) -> float:
        return self.filled_amount / self.filled_qty if self.filled_qty else 0.0


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: str
    order_id: str
    code: str
    side: Side
    price: int
    qty: int
    commission: int
    tax: int
    time: datetime
    account: str | None = None  # the account it belongs to (set where several accounts share a feed)


@dataclass(frozen=True, slots=True)
class Position:
    code: str
    qty: int
    cost: int  # total purchase amount of the shares held (won, excluding fees)
    price: int  # current price

    @property
    def avg_price(self) -> float:
        return self.cost / self.qty if self.qty else 0.0

    @property
    def value(self) -> int:
        return self.qty * self.price

    @property
    def pnl(self) -> int:
        return self.value - self.cost

    @property
    def pnl_pct(self) -> float:
        return self.pnl * 100.0 / self.cost if self.cost else 0.0


@dataclass(frozen=True, slots=True)
class Balance:
    cash: int  # deposit (예수금)
    orderable: int  # cash minus what open buy orders reserve (주문가능금액)
    positions: tuple[Position, ...] = field(default_factory=tuple)

    @property
    def stock_value(self) -> int:
        return sum(p.value for p in self.positions)

    @property
    def total_value(self) -> int:
        return self.cash + self.stock_value

    @property
    def total_pnl(self) -> int:
        return sum(p.pnl for p in self.positions)


@dataclass(frozen=True, slots=True)
class Account:
    """What an account screen shows, read at one moment: open orders, today's fills, the balance."""

    open_orders: tuple[Order, ...]
    fills: tuple[Fill, ...]
    balance: Balance
