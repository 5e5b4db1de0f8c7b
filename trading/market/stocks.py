"""The stock master as the simulated market sees it (read through ``trading.stocks``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from trading.domain import Market
from trading.stocks import LISTING_PATH, read_listing

DEFAULT_LISTING = LISTING_PATH


@dataclass(frozen=True, slots=True)
class StockInfo:
    code: str
    name_ko: str
    name_en: str | None
    market: Market
    wics_sector: str
    wics_industry: str
    us_etf: str  # the mapped US ETF key (SOXX for semiconductors)
    ksic_industry: str | None
    listed_on: date | None


def load_listing(path: str | Path | None = None) -> list[StockInfo]:
    """The listing in file order (codes validated by ``trading.stocks.read_listing``)."""
    return [
        StockInfo(
            s.code,
            s.name_ko,
            s.name_en,
            Market(s.market),
            s.wics_sector,
            s.wics_industry,
            s.us_etf,
            s.ksic_industry,
            s.listed_on,
        )  # fmt: skip
        for s in read_listing(Path(path) if path else LISTING_PATH)
    ]
