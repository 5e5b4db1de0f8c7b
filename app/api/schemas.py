"""The API's request and response bodies as pydantic models: they validate requests and are the
source of the OpenAPI spec's schemas (``spec.py``). Money is integer won, quantities whole shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Code = Field(pattern=r"^[0-9A-Z]{6}$", description="6-character KRX stock code, e.g. 005930")
Won = int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details; ``reason`` is the typed cause."""

    type: str
    title: str
    status: int
    detail: str
    detail_ko: str
    reason: str
    errors: list[dict[str, Any]] | None = None


# --- market ----------------------------------------------------------------------------------------


class QuoteOut(BaseModel):
    code: str
    price: Won
    prev_close: Won
    change: Won
    change_pct: float
    open: Won
    high: Won
    low: Won
    volume: int
    value: Won = Field(description="거래대금 today, won")
    upper_limit: Won
    lower_limit: Won
    strength: float
    time: datetime
    stale: bool


class Level(BaseModel):
    price: Won
    qty: int


class BookOut(BaseModel):
    code: str
    asks: list[Level] = Field(description="best (lowest) ask first")
    bids: list[Level] = Field(description="best (highest) bid first")
    time: datetime


class RankOut(BaseModel):
    rank: int
    code: str
    name: str
    market: str
    sector: str
    price: Won
    prev_close: Won
    change_pct: float
    volume: int
    value: Won


class RankingQuery(BaseModel):
    limit: int = Field(100, ge=1, le=500)
    market: Literal["KOSPI", "KOSDAQ"] | None = None


class BarOut(BaseModel):
    time: datetime = Field(description="bar start, KST")
    open: Won
    high: Won
    low: Won
    close: Won
    volume: int
    value: Won


class BarsQuery(BaseModel):
    interval: int = Field(
        1, description="minutes (today's intraday bars)", json_schema_extra={"enum": [1, 5, 15, 60]}
    )

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: int) -> int:
        if v not in (1, 5, 15, 60):
            raise ValueError("interval must be 1, 5, 15 or 60")
        return v


class DailyBarsQuery(BaseModel):
    start: date | None = Field(None, description="first session (default: a year before end)")
    end: date | None = Field(None, description="last session (default: today, KST)")

    @model_validator(mode="after")
    def _order(self) -> DailyBarsQuery:
        if self.start and self.end and self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class ReportOut(BaseModel):
    session_date: date
    report: dict[str, Any] = Field(description="the morning sector report as stored")


# --- account ---------------------------------------------------------------------------------------


class OrderOut(BaseModel):
    order_id: str
    client_order_id: str | None
    code: str
    side: Literal["buy", "sell"]
    type: Literal["limit", "market"]
    price: Won | None
    qty: int
    filled_qty: int
    filled_amount: Won
    remaining_qty: int
    status: Literal["open", "partial", "filled", "cancelled", "rejected"]
    created_at: datetime | None
    updated_at: datetime | None
    reject_message: str | None


class OrdersQuery(BaseModel):
    status: Literal["today", "open"] = Field("today", description="today's orders, or only the open ones")


class FillOut(BaseModel):
    fill_id: str
    order_id: str
    code: str
    side: Literal["buy", "sell"]
    price: Won
    qty: int
    commission: Won
    tax: Won
    time: datetime


class PositionOut(BaseModel):
    code: str
    qty: int
    avg_price: float
    cost: Won
    price: Won
    value: Won
    pnl: Won
    pnl_pct: float


class BalanceOut(BaseModel):
    account: str
    cash: Won = Field(description="예수금")
    orderable: Won = Field(description="주문가능금액")
    stock_value: Won
    total_value: Won
    total_pnl: Won
    positions: list[PositionOut]


# --- orders ----------------------------------------------------------------------------------------


class OrderIn(Strict):
    code: str = Code
    side: Literal["buy", "sell"]
    type: Literal["limit", "market"] = "limit"
    qty: int = Field(ge=1, le=10**9, description="whole shares")
    price: Won | None = Field(None, ge=1, le=10**10, description="limit price, won (omit for market)")
    confirm_token: str | None = Field(
        None, max_length=80, description="the one-time token a dry run gave (live or large orders)"
    )


class DryRunQuery(BaseModel):
    dry_run: bool = Field(False, description="check only: the gateway's verdict with fees and tax")


class ModifyIn(Strict):
    price: Won | None = Field(None, ge=1, le=10**10)
    qty: int | None = Field(None, ge=1, le=10**9, description="the new total quantity")
    confirm_token: str | None = Field(None, max_length=80)


class CancelIn(Strict):
    qty: int | None = Field(None, ge=1, le=10**9, description="shares of the remainder to cancel; omit = all")


class VerdictOut(BaseModel):
    """A dry run: what the gateway would do with the order, and what it would cost."""

    verdict: Literal["accepted", "rejected"]
    reason: str | None = None
    detail: str | None = None
    detail_ko: str | None = None
    client_order_id: str | None = None
    price: Won | None = Field(None, description="the price the estimate used (market: best opposite level)")
    amount: Won | None = None
    commission: Won | None = None
    tax: Won | None = None
    total: Won | None = Field(None, description="cash needed (buy) or received (sell)")
    confirm: list[str] = Field(default_factory=list, description="why a confirmation is needed: live, large")
    confirm_token: str | None = Field(
        None, description="send it with the order under the same Idempotency-Key"
    )


class PendingOut(BaseModel):
    """The order's outcome is not known yet: ask again with the same Idempotency-Key."""

    status: Literal["pending"]
    client_order_id: str
    detail: str


# --- backtests and bots ----------------------------------------------------------------------------


class BacktestIn(Strict):
    strategy: str = Field(min_length=1, max_length=60)
    params: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict, description="as on /backtest: codes, dates, costs…")
    name: str | None = Field(None, max_length=100)


class BacktestOut(BaseModel):
    id: int
    name: str | None
    strategy: str
    status: str
    progress: float
    created_at: datetime
    finished_at: datetime | None
    stats: dict[str, Any] | None
    error: str | None


class BacktestResultOut(BaseModel):
    id: int
    status: str
    stats: dict[str, Any] | None
    result: dict[str, Any] | None


class BotOut(BaseModel):
    id: int
    name: str
    account: str
    mode: str
    version: int
    status: str
    status_reason: str
    strategy: str
    timeframe: str
    feed_age_s: float | None
    loss_streak: int
    created_at: datetime


class BotActionOut(BaseModel):
    id: int
    status: str


class TokenOut(BaseModel):
    """An API token as listed: its prefix identifies it; the secret is never shown again."""

    id: int
    user: str
    name: str
    prefix: str
    scopes: list[Literal["read", "trade", "admin"]]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
