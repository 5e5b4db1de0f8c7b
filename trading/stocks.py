"""The stock master: the seed listing shipped with the project (data/seed/krx_listing.csv).

Provenance: copied from ../shared/reference/krx_listing.csv (a 2026 KRX KIND listing export joined
with a WICS mapping effective 2026-07-01; see docs/ARCHITECTURE.md "Seed data").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from trading.domain import is_valid_code
from trading.sectors import sector_for_etf_key

LISTING_PATH = Path(__file__).resolve().parent.parent / "data" / "seed" / "krx_listing.csv"


@dataclass(frozen=True, slots=True)
class ListedStock:
    code: str
    name_ko: str
    name_en: str | None
    market: str
    wics_sector: str
    wics_industry: str
    us_etf: str
    sector_code: str
    ksic_industry: str | None
    listed_on: date | None


def read_listing(path: Path = LISTING_PATH) -> list[ListedStock]:
    """Parse the listing CSV; a bad row raises ValueError naming its line."""
    out: list[ListedStock] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            code = row["code"].strip()
            if not is_valid_code(code):
                raise ValueError(f"{path.name}:{lineno}: bad stock code {code!r}")
            listed = row.get("listed_on") or ""
            out.append(
                ListedStock(
                    code=code,
                    name_ko=row["name_ko"].strip(),
                    name_en=(row.get("name_en") or "").strip() or None,
                    market=row["market"].strip(),
                    wics_sector=row["wics_sector"].strip(),
                    wics_industry=row["wics_industry"].strip(),
                    us_etf=row["us_etf"].strip(),
                    sector_code=sector_for_etf_key(row["us_etf"].strip()),
                    ksic_industry=(row.get("ksic_industry") or "").strip() or None,
                    listed_on=date.fromisoformat(listed) if listed else None,
                )
            )
    return out
