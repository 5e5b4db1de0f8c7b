"""Stock screening reads: the daily-bar panel of the last sessions for every stock, in one query."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select

from db.models import DailyBar, Stock
from trading.screen.engine import Panel, StockMeta, build_panel
from trading.screen.spec import PANEL_SESSIONS


def _as_date(v: object) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def bars_version(engine: Engine, since: date | None = None) -> tuple[date | None, int]:
    """(last stored session, bars stored from ``since`` on; default: on the last session): what a
    cached panel is valid for (an index range count)."""
    c = DailyBar.__table__.c
    last = select(func.max(c.day)).scalar_subquery()
    counted = select(func.count()).where(c.day == last if since is None else c.day >= since)
    with engine.connect() as conn:
        day, count = conn.execute(select(last, counted.scalar_subquery())).one()
    return (None if day is None else _as_date(day)), int(count or 0)


def stock_metas(engine: Engine) -> list[StockMeta]:
    """Every listed (non-ETF) stock as the screen engine sees it, by code."""
    s = Stock.__table__.c
    q = (
        select(s.code, s.name_ko, s.name_en, s.market, s.sector_code)
        .where(s.is_etf.is_(False))
        .order_by(s.code)
    )
    with engine.connect() as conn:
        return [StockMeta(c, ko, en or ko, m, sec) for c, ko, en, m, sec in conn.execute(q)]


def load_panel(
    engine: Engine, sessions: int = PANEL_SESSIONS, stocks: list[StockMeta] | None = None
) -> Panel:
    """Close and 거래대금 of every stock over the last ``sessions`` stored sessions, in ONE query on
    daily_bars (the stock master is read too unless ``stocks`` is given)."""
    c = DailyBar.__table__.c
    recent = select(c.day.label("d")).distinct().order_by(c.day.desc()).limit(sessions).subquery()
    first = select(func.min(recent.c.d)).scalar_subquery()
    q = select(c.code, c.day, c.close, c.value).where(c.day >= first)
    metas = stocks if stocks is not None else stock_metas(engine)
    with engine.connect() as conn:
        # The driver's rows as they come (no per-row Row objects or date parsing: 330,000 rows).
        rows = conn.execute(q).cursor.fetchall()
    if not rows:
        return build_panel(metas, [], [], [], [])
    f = pd.DataFrame.from_records(rows, columns=["code", "day", "close", "value"])
    return build_panel(metas, f["code"], f["day"], f["close"], f["value"], to_date=_as_date)
