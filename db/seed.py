"""``gslts db seed``: stocks, sectors and the US→KR mapping, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from db.repositories import stocks as repo
from trading.sectors import SEED_MAPPING
from trading.stocks import LISTING_PATH, read_listing


@dataclass(frozen=True)
class SeedResult:
    stocks_total: int
    stocks_inserted: int
    stocks_updated: int
    sectors_changed: int
    mapping_inserted: int

    @property
    def changed(self) -> bool:
        return bool(
            self.stocks_inserted or self.stocks_updated or self.sectors_changed or self.mapping_inserted
        )


def seed(engine: Engine) -> SeedResult:
    """Load the stock master and sector data; running it twice changes nothing."""
    listing = read_listing(LISTING_PATH)
    sectors_changed = repo.upsert_sectors(engine)
    inserted, updated = repo.upsert_stocks(engine, listing)
    mapping_inserted = repo.seed_mapping(engine, SEED_MAPPING)
    return SeedResult(repo.count_stocks(engine), inserted, updated, sectors_changed, mapping_inserted)
