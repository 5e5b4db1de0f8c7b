"""Tunable parameters of the morning report (defaults follow PRD §11.3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# The US symbols the report reads: 11 SPDR sector ETFs, two semiconductor ETFs, three indexes.
SECTOR_ETFS: tuple[str, ...] = (
    "XLK", "XLF", "XLE", "XLV", "XLI", "XLP", "XLY", "XLU", "XLB", "XLRE", "XLC", "SOXX", "SMH",
)  # fmt: skip
US_INDEXES: dict[str, str] = {
    "^GSPC": "S&P 500",
    "^NDX": "NASDAQ-100",
    "^SOX": "PHLX Semiconductor",
}
US_SYMBOLS: tuple[str, ...] = SECTOR_ETFS + tuple(US_INDEXES)


@dataclass(frozen=True, slots=True)
class ReportConfig:
    top_up: int = 3  # the N best rising US ETFs are "강세 예상"
    down_threshold_pct: float = -1.0  # US ETFs at or below this return are "약세 예상"
    value_percentile: float = 80.0  # keep stocks whose previous-session 거래대금 is above this percentile
    min_picks: int = 5  # fewer qualifying stocks → the report says why
    max_picks: int = 10
    max_per_sector: int = 5  # first pass cap per Korean sector; left-over slots are then filled by score

    def __post_init__(self) -> None:
        if not 0 < self.value_percentile < 100:
            raise ValueError("value_percentile must be between 0 and 100")
        if not 1 <= self.min_picks <= self.max_picks:
            raise ValueError("need 1 <= min_picks <= max_picks")
        if self.top_up < 1 or self.max_per_sector < 1:
            raise ValueError("top_up and max_per_sector must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
