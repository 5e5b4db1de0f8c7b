"""What the dashboard pages read: the stock master (cached), the market data, the broker, the mode.

Market data (quotes, books, ranking, intraday bars) comes from ``market_data()`` only; orders go
through the order gateway (``gateway()`` with ``order_context()``) and account data comes from the
user's account (``account_reader()``). The stock master is kept in the process until it is re-seeded
(``db/cache.py``: ``local``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Engine

from app.runtime import runtime
from db import cache as read_cache
from db.cache import Topic
from db.repositories import reports as reports_repo
from db.repositories import stocks as stocks_repo
from services.accounts import account_for_user
from trading.brokers.errors import OrderRejected, Reason
from trading.order_estimate import commission_rate
from trading.orders.context import Actor, EntryPoint, OrderContext
from trading.search import SearchIndex, StockEntry
from trading.sectors import SECTOR_BY_CODE, SECTOR_BY_ETF_KEY


@dataclass(frozen=True, slots=True)
class StockMeta:
    code: str
    name_ko: str
    name_en: str
    market: str
    sector_code: str
    is_etf: bool = False

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_ko


def _build_master(engine: Engine) -> tuple[dict[str, StockMeta], SearchIndex]:
    metas = {
        s.code: StockMeta(s.code, s.name_ko, s.name_en or "", s.market, s.sector_code, bool(s.is_etf))
        for s in stocks_repo.all_stocks(engine)
    }
    index = SearchIndex(StockEntry(m.code, m.name_ko, m.name_en, m.market) for m in metas.values())
    return metas, index


def _load_master() -> tuple[dict[str, StockMeta], SearchIndex]:
    return read_cache.local(runtime().engine, Topic.STOCKS, _build_master)


def stocks() -> dict[str, StockMeta]:
    """code → StockMeta for every listed stock."""
    return _load_master()[0]


def stock(code: str) -> StockMeta | None:
    return stocks().get(code)


def search_index() -> SearchIndex:
    return _load_master()[1]


def sector_code_of(key: str) -> str:
    """A sector code from a RankRow's ``sector`` (a sector code or the master's US ETF key)."""
    if key in SECTOR_BY_CODE:
        return key
    return SECTOR_BY_ETF_KEY.get(key, key)


def sector_name(code: str, lang: str) -> str:
    sd = SECTOR_BY_CODE.get(code)
    if sd is None:
        return code
    return sd.name_en if lang == "en" else sd.name_ko


def market_data():  # noqa: ANN201 - the MarketData protocol
    """The process's market data (quotes, books, ranking, intraday bars)."""
    from app.runtime import market_data as _md

    return _md()


# --- the logged-in user's account ------------------------------------------------------------------

_ACCOUNT_TTL_S = 5.0
_accounts: dict[tuple[str, int], tuple[float, str | None]] = {}


def current_account() -> str | None:
    """The account the logged-in user trades (their paper account, or the bound broker account)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    rt = runtime()
    key, now = (str(rt.engine.url), current_user.user_id), time.monotonic()
    hit = _accounts.get(key)
    if hit is not None and now - hit[0] < _ACCOUNT_TTL_S:
        return hit[1]
    name = account_for_user(rt.engine, rt.settings, current_user.user_id, current_user.username)
    _accounts[key] = (now, name)
    return name


def account_reader():  # noqa: ANN201 - the Broker protocol (reads)
    """Reads of the user's account: balance, orders, fills. ``OrderRejected(NO_ACCOUNT)`` without one."""
    name = current_account()
    if name is None:
        raise OrderRejected(Reason.NO_ACCOUNT)
    return runtime().reader(name)


def market_reader():  # noqa: ANN201 - the Broker protocol (market reads: quotes, bars, ranking)
    return runtime().reader(None)


def can_trade() -> bool:
    """False for viewers (the order panel is disabled; the gateway refuses their orders anyway)."""
    return bool(has_request_context() and current_user.is_authenticated and current_user.can_trade)


def order_context(token: str | None = None) -> OrderContext:
    """Who is ordering, for which account, from the page (the gateway checks every part again)."""
    name = current_account()
    if name is None:
        raise OrderRejected(Reason.NO_ACCOUNT)
    actor = Actor(current_user.username, current_user.role)
    return OrderContext(actor, name, EntryPoint.PAGE, token)


def gateway():  # noqa: ANN201 - trading.orders.gateway.OrderGateway
    """The order gateway: the only way a page places, modifies or cancels."""
    return runtime().gateway()


def is_live() -> bool:
    """True when orders move real money (the navbar badge uses the same rule)."""
    s = runtime().settings
    return s.broker != "paper" and s.broker_env == "real" and s.live_trading


def fee_rate() -> Fraction:
    s = runtime().settings
    return commission_rate(s.broker, s.broker_env, s.commission_pct)


_liq_cache: tuple[float, dict[str, int]] = (0.0, {})


def liquidity(max_age_s: float = 10.0) -> dict[str, int]:
    """code → today's 거래대금 from the ranking, refreshed at most every ``max_age_s`` (search ties)."""
    global _liq_cache
    at, values = _liq_cache
    if time.monotonic() - at < max_age_s:
        return values
    try:
        rows = market_data().ranking(limit=len(stocks()) or 3000)
        values = {r.code: r.value for r in rows}
    except Exception:  # noqa: BLE001 - search still works without liquidity
        values = {}
    _liq_cache = (time.monotonic(), values)
    return values


@dataclass(frozen=True, slots=True)
class UpSectors:
    session_date: date
    codes: tuple[str, ...]


def _up_codes(payload: dict[str, Any]) -> tuple[str, ...]:
    """Sector codes with direction "up" in a report payload's ``kr_sectors`` (list or mapping)."""
    items = payload.get("kr_sectors") or []
    if isinstance(items, dict):
        items = [{"code": k, **(v if isinstance(v, dict) else {"direction": v})} for k, v in items.items()]
    out = []
    for it in items:
        if not isinstance(it, dict) or str(it.get("direction", "")).lower() != "up":
            continue
        code = it.get("code") or it.get("sector_code") or it.get("sector")
        if code:
            out.append(sector_code_of(str(code)))
    return tuple(dict.fromkeys(out))


def latest_up_sectors() -> UpSectors | None:
    """The sectors marked 강세 (up) in the latest morning sector report, or None without a report."""
    return _latest_up_sectors(runtime().engine)


@read_cache.memoized(Topic.REPORTS)
def _latest_up_sectors(engine: Engine) -> UpSectors | None:
    latest = reports_repo.latest_report(engine)
    return None if latest is None else UpSectors(latest[0], _up_codes(latest[1]))
