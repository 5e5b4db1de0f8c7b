"""Stocks and sectors: seed upserts and reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from db.cache import Topic, invalidate, memoized
from db.engine import session_scope
from db.models import Sector, Stock, UsSectorMap
from trading.sectors import SECTORS, US_ETF_NAMES
from trading.stocks import ListedStock

_STOCK_FIELDS = (
    "name_ko",
    "name_en",
    "market",
    "wics_sector",
    "wics_industry",
    "us_etf",
    "sector_code",
    "ksic_industry",
    "listed_on",
)


def upsert_sectors(engine: Engine) -> int:
    """Insert or update the sector table; returns how many rows changed."""
    changed = 0
    with session_scope(engine) as s:
        existing = {row.code: row for row in s.scalars(select(Sector))}
        for order, sd in enumerate(SECTORS):
            row = existing.get(sd.code)
            if row is None:
                s.add(Sector(code=sd.code, name_ko=sd.name_ko, name_en=sd.name_en, sort_order=order))
                changed += 1
            elif (row.name_ko, row.name_en, row.sort_order) != (sd.name_ko, sd.name_en, order):
                row.name_ko, row.name_en, row.sort_order = sd.name_ko, sd.name_en, order
                changed += 1
    return changed


def upsert_stocks(engine: Engine, stocks: list[ListedStock]) -> tuple[int, int]:
    """Insert new stocks and update changed ones; returns (inserted, updated)."""
    inserted = updated = 0
    with session_scope(engine) as s:
        existing = {row.code: row for row in s.scalars(select(Stock))}
        for st in stocks:
            values = {k: v for k, v in asdict(st).items() if k in _STOCK_FIELDS}
            row = existing.get(st.code)
            if row is None:
                s.add(Stock(code=st.code, is_etf=False, **values))
                inserted += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
    if inserted or updated:
        invalidate(engine, Topic.STOCKS)
    return inserted, updated


def seed_mapping(engine: Engine, mapping: tuple[tuple[str, str, float], ...]) -> int:
    """Insert mapping rows that are missing; never overwrites an admin's edits. Returns inserted."""
    inserted = 0
    with session_scope(engine) as s:
        have = {(m.etf, m.sector_code) for m in s.scalars(select(UsSectorMap))}
        for etf, sector, weight in mapping:
            if (etf, sector) not in have:
                s.add(
                    UsSectorMap(
                        etf=etf,
                        etf_name=US_ETF_NAMES.get(etf, etf),
                        sector_code=sector,
                        weight=weight,
                        enabled=True,
                        updated_at=datetime.now(),
                        updated_by="seed",
                    )
                )
                inserted += 1
    if inserted:
        invalidate(engine, Topic.SECTOR_MAP)
    return inserted


def count_stocks(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Stock)) or 0


def all_stocks(engine: Engine) -> list[Stock]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Stock).order_by(Stock.code)))


def get_stock(engine: Engine, code: str) -> Stock | None:
    with session_scope(engine) as s:
        return s.get(Stock, code)


def all_sectors(engine: Engine) -> list[Sector]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Sector).order_by(Sector.sort_order)))


@dataclass(frozen=True, slots=True)
class MapEntry:
    """One US ETF → Korean sector row of the mapping."""

    etf: str
    etf_name: str
    sector_code: str
    weight: float
    enabled: bool


@memoized(Topic.SECTOR_MAP)
def sector_mapping(engine: Engine) -> list[MapEntry]:
    with session_scope(engine) as s:
        q = select(UsSectorMap).order_by(UsSectorMap.etf, UsSectorMap.sector_code)
        rows = s.scalars(q)
        return [MapEntry(m.etf, m.etf_name, m.sector_code, float(m.weight), bool(m.enabled)) for m in rows]
