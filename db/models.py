"""SQLAlchemy 2 typed models. Prices and amounts are integers in won (BigInteger)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# DATETIME(3) on MariaDB (milliseconds), plain DATETIME elsewhere.
DateTime3 = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
Won = BigInteger


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Sector(Base):
    """A Korean sector as GSLTS groups stocks (one per mapped US ETF key; 반도체 for SOXX)."""

    __tablename__ = "sectors"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Stock(Base):
    __tablename__ = "stocks"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # [0-9A-Z]{6}
    name_ko: Mapped[str] = mapped_column(String(60), index=True)
    name_en: Mapped[str | None] = mapped_column(String(100))
    market: Mapped[str] = mapped_column(String(8), index=True)
    wics_sector: Mapped[str] = mapped_column(String(30))
    wics_industry: Mapped[str] = mapped_column(String(40))
    us_etf: Mapped[str] = mapped_column(String(8))
    sector_code: Mapped[str] = mapped_column(ForeignKey("sectors.code"), index=True)
    ksic_industry: Mapped[str | None] = mapped_column(String(80))
    listed_on: Mapped[date | None] = mapped_column(Date)
    is_etf: Mapped[bool] = mapped_column(Boolean, default=False)


class UsSectorMap(Base):
    """Editable US ETF → KR sector mapping (seeded from PRD §11.1 plus SOXX/SMH → 반도체)."""

    __tablename__ = "us_sector_map"
    __table_args__ = (UniqueConstraint("etf", "sector_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    etf: Mapped[str] = mapped_column(String(10), index=True)
    etf_name: Mapped[str] = mapped_column(String(60))
    sector_code: Mapped[str] = mapped_column(ForeignKey("sectors.code"))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(40))


class DailyBar(Base):
    __tablename__ = "daily_bars"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    open: Mapped[int] = mapped_column(Won)
    high: Mapped[int] = mapped_column(Won)
    low: Mapped[int] = mapped_column(Won)
    close: Mapped[int] = mapped_column(Won)
    volume: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(Won)  # 거래대금
    # simulated (demo history, the paper market) | kis | kiwoom | csv (gslts history import)
    source: Mapped[str] = mapped_column(String(16), server_default="simulated")
    __table_args__ = (Index("ix_daily_bars_day", "day"),)


class MinuteBar(Base):
    """One-minute bars (bar start time, KST, naive)."""

    __tablename__ = "minute_bars"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    open: Mapped[int] = mapped_column(Won)
    high: Mapped[int] = mapped_column(Won)
    low: Mapped[int] = mapped_column(Won)
    close: Mapped[int] = mapped_column(Won)
    volume: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(Won)


class TickData(Base):
    """One executed trade. The primary key makes replays idempotent; on MariaDB the table is
    RANGE-partitioned by trading day (TO_DAYS(tick_time)), see the initial migration."""

    __tablename__ = "tick_data"
    stock_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    tick_time: Mapped[datetime] = mapped_column(DateTime3, primary_key=True)  # KST, naive
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    price: Mapped[int] = mapped_column(Integer)
    volume: Mapped[int] = mapped_column(Integer)
    cum_volume: Mapped[int] = mapped_column(BigInteger)
    cum_value: Mapped[int] = mapped_column(Won)
    strength: Mapped[float] = mapped_column(Float)


class MinuteBarDirty(Base):
    """A (code, minute) whose committed ticks changed and whose bar is not recomputed yet.

    The tick writer adds these in the same transaction as the ticks; a recompute pass rebuilds the bars
    from ``tick_data`` and deletes the marks in one transaction, so a crash loses no recomputation."""

    __tablename__ = "minute_bar_dirty"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime, primary_key=True)  # minute start, KST, naive
    time_end: Mapped[datetime] = mapped_column(DateTime)  # time + 1 minute (no date arithmetic in SQL)


class TickDeadLetter(Base):
    """A tick row the database refused: kept with the reason, never retried by the writer.

    ``row_hash`` (SHA-256 of ``raw_row``) is unique, so a replayed batch files its refused row once."""

    __tablename__ = "tick_dead_letters"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime3, index=True)  # KST, naive
    row_hash: Mapped[str] = mapped_column(String(64))
    stock_code: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    raw_row: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("row_hash", name="uq_tick_dead_letters_row_hash"),)


class TradingValueRank(Base):
    __tablename__ = "trading_value_rank"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    snapshot_time: Mapped[datetime] = mapped_column(DateTime)
    rank: Mapped[int] = mapped_column(Integer)
    stock_code: Mapped[str] = mapped_column(String(6))
    price: Mapped[int] = mapped_column(Won)
    prev_close: Mapped[int] = mapped_column(Won)
    volume: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(Won)
    __table_args__ = (Index("ix_tvr_time_rank", "snapshot_time", "rank"),)


class UsSectorBar(Base):
    """Daily bars of US sector ETFs and indexes (USD, exact decimals)."""

    __tablename__ = "us_sector_bars"
    symbol: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the XNYS session date
    open: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    high: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    low: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    close: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    volume: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # yfinance | kis | simulated


class SectorReport(Base):
    __tablename__ = "sector_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_date: Mapped[date] = mapped_column(Date, unique=True)  # the KRX session it is for
    us_session_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    data_source: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class TrackRecord(Base):
    """The track record, one row per computation (the newest is current; every host reads the same)."""

    __tablename__ = "track_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime)  # naive KST
    end_day: Mapped[date | None] = mapped_column(Date)
    kr_source: Mapped[str] = mapped_column(String(16))  # simulated | real | mixed | none
    us_source: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_track_records_computed_at", "computed_at"),)


class HistoryProgress(Base):
    """Daily-bar fetches done per job (``backfill:kis:2024-01-02:2026-11-27``, ``eod:kis:2026-11-30``)
    and stock: a restarted backfill skips the stocks it finished."""

    __tablename__ = "history_progress"
    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime] = mapped_column(DateTime)  # naive KST


class SectorReportPick(Base):
    __tablename__ = "sector_report_picks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("sector_reports.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    stock_code: Mapped[str] = mapped_column(String(6))
    sector_code: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    value_rank: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[Any]] = mapped_column(JSON)


class Account(Base):
    """A trading account: a user's paper account (``paper-u<user id>``) or a broker account
    (``kis-real-12345678-01``). Limit columns left NULL take the settings' defaults."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    broker: Mapped[str] = mapped_column(String(10))
    cash: Mapped[int] = mapped_column(Won)
    initial_cash: Mapped[int] = mapped_column(Won)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    env: Mapped[str] = mapped_column(String(8), default="paper")  # paper | mock | real
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    max_order_qty: Mapped[int | None] = mapped_column(BigInteger)
    max_order_amount: Mapped[int | None] = mapped_column(Won)
    max_orders_per_minute: Mapped[int | None] = mapped_column(Integer)
    # The risk manager's state: active | reducing | halted (the kill switch); only a resume clears halted.
    risk_state: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    risk_reason: Mapped[str | None] = mapped_column(String(200))
    risk_changed_by: Mapped[str | None] = mapped_column(String(40))
    risk_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    risk_until: Mapped[date | None] = mapped_column(Date)  # a halt for the day (the daily loss limit)
    risk_sells_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The risk manager's account-level limits (NULL = off).
    max_orders_per_day: Mapped[int | None] = mapped_column(Integer)
    max_daily_loss: Mapped[int | None] = mapped_column(Won)
    max_stock_pct: Mapped[float | None] = mapped_column(Float)
    max_total_pct: Mapped[float | None] = mapped_column(Float)
    cash_reserve: Mapped[int | None] = mapped_column(Won)


class AccountUser(Base):
    """A broker account bound to a user by an admin (paper accounts belong to their owner)."""

    __tablename__ = "account_users"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    bound_at: Mapped[datetime] = mapped_column(DateTime)
    bound_by: Mapped[str | None] = mapped_column(String(40))


class OrderIntent(Base):
    """The order journal (trading/orders/journal.py): one row per order, modify or cancel, committed
    before the broker is called. ``fence`` is the owner's fencing token when it was written."""

    __tablename__ = "order_intents"
    __table_args__ = (
        UniqueConstraint("account_id", "client_order_id", name="uq_intent_client_id"),
        Index("ix_intents_state", "state", "account_id"),
        Index("ix_intents_account_created", "account_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    client_order_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))  # place | modify | cancel
    target_order_id: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(24))
    message: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fence: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str] = mapped_column(String(40))
    entry: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime3)
    updated_at: Mapped[datetime] = mapped_column(DateTime3)


class OwnerFence(Base):
    """The fencing token of each ownership scope ("market", "broker:<account>"): only grows."""

    __tablename__ = "owner_fences"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    fence: Mapped[int] = mapped_column(BigInteger)
    owner: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(DateTime3)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "client_order_id"),
        Index("ix_orders_account_status", "account_id", "status"),
        Index("ix_orders_account_created", "account_id", "created_at"),
    )
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    client_order_id: Mapped[str | None] = mapped_column(String(64))
    broker_order_id: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(6))
    side: Mapped[str] = mapped_column(String(4))
    order_type: Mapped[str] = mapped_column(String(8))
    price: Mapped[int | None] = mapped_column(Won)
    qty: Mapped[int] = mapped_column(Integer)
    filled_qty: Mapped[int] = mapped_column(Integer, default=0)
    filled_amount: Mapped[int] = mapped_column(Won, default=0)
    status: Mapped[str] = mapped_column(String(10))
    queue_ahead: Mapped[int] = mapped_column(BigInteger, default=0)  # paper: simulated queue in front
    reserved: Mapped[int] = mapped_column(Won, default=0)  # cash held for an open buy
    reject_code: Mapped[str | None] = mapped_column(String(24))
    reject_message: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime3)
    updated_at: Mapped[datetime] = mapped_column(DateTime3)


class FillRow(Base):
    __tablename__ = "fills"
    fill_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    code: Mapped[str] = mapped_column(String(6))
    side: Mapped[str] = mapped_column(String(4))
    price: Mapped[int] = mapped_column(Won)
    qty: Mapped[int] = mapped_column(Integer)
    commission: Mapped[int] = mapped_column(Won)
    tax: Mapped[int] = mapped_column(Won)
    time: Mapped[datetime] = mapped_column(DateTime3)
    __table_args__ = (Index("ix_fills_account_time", "account_id", "time"),)


class PositionRow(Base):
    __tablename__ = "positions"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Won)  # purchase amount of the shares held
    realized_pnl: Mapped[int] = mapped_column(Won, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime3)


class BacktestRun(Base):
    __tablename__ = "backtest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(100))
    strategy: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # universe, period, data, costs
    status: Mapped[str] = mapped_column(
        String(12), index=True
    )  # queued|running|cancelling|done|failed|cancelled
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)  # the job's last sign of life
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # claims (redeliveries)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON().with_variant(mysql.JSON(), "mysql"))
    error: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(8), default="trader")  # viewer | trader | admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class UserSession(Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored. Logout revokes the row,
    a password change or ``gslts user disable`` revokes all of the user's rows."""

    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(45))


class Watchlist(Base):
    __tablename__ = "watchlist_items"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime3, index=True)
    username: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Bot(Base):
    """An automatic-trading bot (trading/bots). Its configuration is the row of ``bot_versions`` with
    ``version``; the runner writes its status, heartbeat and state (loss streak, cooldowns)."""

    __tablename__ = "bots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(8))  # paper | mock | real
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), index=True)  # stopped | running | paused | halted
    status_reason: Mapped[str | None] = mapped_column(String(300))
    status_by: Mapped[str | None] = mapped_column(String(40))
    status_at: Mapped[datetime | None] = mapped_column(DateTime3)
    started_at: Mapped[datetime | None] = mapped_column(DateTime3)  # the runner reconciles after a start
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime3)
    loss_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # cooldowns {code: until bar}, stale alerts
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime3)
    last_bar_at: Mapped[datetime | None] = mapped_column(DateTime)
    feed_age_s: Mapped[float | None] = mapped_column(Float)  # the oldest last tick of its held stocks
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class BotVersion(Base):
    """One version of a bot's configuration (an edit adds a version; orders record theirs)."""

    __tablename__ = "bot_versions"
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(40))  # "backtest:12" when made from a backtest
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(40))


class BotPosition(Base):
    """A position a bot opened (the shares are in the account; this is the bot's share of them)."""

    __tablename__ = "bot_positions"
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[int] = mapped_column(Won)  # filled amount of the entry (won)
    entry_time: Mapped[datetime] = mapped_column(DateTime3)
    entry_bar: Mapped[datetime | None] = mapped_column(DateTime)
    bars_held: Mapped[int] = mapped_column(Integer, default=0)
    high_price: Mapped[int] = mapped_column(Won)
    protect_armed: Mapped[bool] = mapped_column(Boolean, default=False)
    sl_pct: Mapped[float | None] = mapped_column(Float)  # the strategy's own stop/target for this entry
    tp_pct: Mapped[float | None] = mapped_column(Float)
    hold_bars: Mapped[int | None] = mapped_column(Integer)
    exiting: Mapped[str | None] = mapped_column(String(40))  # client order id of the exit under way


class BotOrder(Base):
    """An order a bot sent through the gateway (client order id = the journal's), and what came of it."""

    __tablename__ = "bot_orders"
    __table_args__ = (Index("ix_bot_orders_state", "state"), Index("ix_bot_orders_bot", "bot_id", "id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    account: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(6))
    side: Mapped[str] = mapped_column(String(4))
    qty: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(16))  # entry | signal | stop_loss | take_profit | trailing …
    bar_time: Mapped[datetime | None] = mapped_column(DateTime)  # the bar whose close decided it
    signal_price: Mapped[int | None] = mapped_column(Won)
    state: Mapped[str] = mapped_column(String(10))  # sent | open | filled | done | rejected | unknown
    order_id: Mapped[str | None] = mapped_column(String(40))
    filled_qty: Mapped[int] = mapped_column(BigInteger, default=0)
    filled_amount: Mapped[int] = mapped_column(Won, default=0)
    reason: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(DateTime3)
    updated_at: Mapped[datetime] = mapped_column(DateTime3)


class BotDecision(Base):
    """The decision log: signal → risk verdict → order → fill, exits, halts, each with its reason."""

    __tablename__ = "bot_decisions"
    __table_args__ = (Index("ix_bot_decisions_bot", "bot_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(DateTime3)
    code: Mapped[str | None] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(10))  # signal | denied | order | fill | exit | alert | state
    reason: Mapped[str | None] = mapped_column(String(24))
    message_ko: Mapped[str] = mapped_column(String(300))
    message_en: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BotEvaluation(Base):
    """One evaluation of a bot on one closed bar: the primary key makes it happen once, whoever runs it."""

    __tablename__ = "bot_evaluations"
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), primary_key=True)
    bar_time: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    codes: Mapped[int] = mapped_column(Integer, default=0)
    signals: Mapped[int] = mapped_column(Integer, default=0)
    ms: Mapped[float | None] = mapped_column(Float)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime3)


class BotComparison(Base):
    """The evening backtest-vs-live comparison of one bot's day."""

    __tablename__ = "bot_comparisons"
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A REST API token of a user: only its SHA-256 is stored; ``prefix`` identifies it in lists."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(40))  # comma-separated: read, trade, admin
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiIdempotency(Base):
    """The stored answer of a POST that carried an ``Idempotency-Key`` (orders use the journal instead)."""

    __tablename__ = "api_idempotency"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the client's key
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class GuideProgress(Base):
    """A user's place in the first-run tour (처음 오셨나요?): no row = never offered."""

    __tablename__ = "guide_progress"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # active | completed | skipped
    step: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class AlertEventRow(Base):
    """The alerts outbox (trading/alerts): one row per event, written in the transaction of the fact it
    reports; ``fanned_out`` once the dispatcher has made its deliveries."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_pending", "fanned_out", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    dedupe_id: Mapped[str] = mapped_column(String(120), unique=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime3)
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AlertDestination(Base):
    """A user's webhook (URL + HMAC secret, encrypted with a key derived from SECRET_KEY) or Telegram chat.
    The dispatcher leases a destination while it sends to it; ``tokens``/``next_send_at`` pace it."""

    __tablename__ = "alert_destinations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # webhook | telegram
    name: Mapped[str] = mapped_column(String(60))
    url: Mapped[str | None] = mapped_column(String(500))
    chat_id: Mapped[str | None] = mapped_column(String(40))
    secret_enc: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    tokens: Mapped[float | None] = mapped_column(Float)
    tokens_at: Mapped[datetime | None] = mapped_column(DateTime3)
    next_send_at: Mapped[datetime | None] = mapped_column(DateTime3)
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime3)
    last_status: Mapped[str | None] = mapped_column(String(300))


class AlertDelivery(Base):
    """The delivery ledger: one row per event × user × destination (``destination_id`` 0 = in-app, the
    notification centre, where ``read_at`` is the read mark). ``message_id`` is fixed before the first send
    (a digest's rows share it), so every retry carries the same id and receivers can dedupe."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "destination_id", name="uq_alert_delivery"),
        Index("ix_alert_deliveries_due", "status", "destination_id", "next_attempt_at"),
        Index("ix_alert_deliveries_user", "user_id", "channel", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    destination_id: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime3)
    message_id: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime3)
    last_error: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(DateTime3)
    created_at: Mapped[datetime] = mapped_column(DateTime3)


class AlertSetting(Base):
    """A user's mode (on | silent | off) per event type; absent = the default."""

    __tablename__ = "alert_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))


class PriceAlertRow(Base):
    """A price alert (trading/alerts/price_rules.py): fires once, then stays ``fired``."""

    __tablename__ = "price_alerts"
    __table_args__ = (Index("ix_price_alerts_status", "status", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(12))  # above | below | move_pct | top_n
    value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))  # active | fired | deleted
    created_at: Mapped[datetime] = mapped_column(DateTime)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime3)
    fired_price: Mapped[int | None] = mapped_column(Won)
