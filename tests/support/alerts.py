"""Alerts in tests: a user with a paper account whose store writes real fills (so the outbox rows come
from the real event source), settings with short retries, and waiting for the ledger."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from db.repositories.accounts import ensure_paper_account, get_account
from db.repositories.paper import SqlPaperStore
from db.repositories.users import add_user, get_user
from trading.brokers.paper.store import OrderRecord, StoreEvent
from trading.config import Settings, load_settings
from trading.domain import KST, Fill, Order, OrderStatus, OrderType, Side

_seq = itertools.count(1)


def fast_settings(url: str, data_dir: Path, **over: object) -> Settings:
    """Settings whose dispatcher retries within seconds (tests wait for it)."""
    base = dict(
        database_url=url, data_dir=data_dir, redis_url=None, secret_key="alerts-test-secret", alert_poll_ms=50,
        alert_retry_base_s=0.5, alert_retry_max_s=2.0, alert_lease_s=2.0, alert_http_timeout_s=10.0,
    )  # fmt: skip
    return load_settings(**(base | over))


@dataclass
class Trader:
    user_id: int
    account_id: int
    store: SqlPaperStore

    def fill(self, code: str = "005930", qty: int = 1, price: int = 70_000) -> str:
        """Store one filled market buy (its order and fill in one transaction); returns the fill id."""
        n = next(_seq)
        now = datetime.now(KST)
        oid, fid = f"T{n:08d}", f"F{n:08d}"
        order = Order(oid, code, Side.BUY, OrderType.MARKET, None, qty, qty, qty * price, OrderStatus.FILLED,
                      f"c{n}", now, now)  # fmt: skip
        fill = Fill(fid, oid, code, Side.BUY, price, qty, 10, 0, now)
        self.store.apply(StoreEvent(now, 0, (OrderRecord(order, is_new=True),), (fill,)))
        return fid


def trader(engine: Engine, username: str = "trader") -> Trader:
    user = get_user(engine, username) or add_user(engine, username, "test-password-1", role="trader")
    name = ensure_paper_account(engine, user.id, 100_000_000)
    account = get_account(engine, name)
    assert account is not None
    return Trader(user.id, account.id, SqlPaperStore(engine, name))
