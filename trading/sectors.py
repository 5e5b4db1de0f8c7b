"""GSLTS Korean sectors and the seed US ETF → KR sector mapping (PRD §11.1 plus SOXX/SMH → 반도체).

Each listed stock belongs to one sector through its ``us_etf`` key in the stock master
(krx-market-rules.md §6: WICS sector → SPDR ETF, WICS G4530 → SOXX, G4050 → XLRE).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SectorDef:
    code: str
    name_ko: str
    name_en: str
    etf: str  # the stock master's us_etf key for this sector


SECTORS: tuple[SectorDef, ...] = (
    SectorDef("SEMI", "반도체", "Semiconductors", "SOXX"),
    SectorDef("IT", "IT", "Information Technology", "XLK"),
    SectorDef("COMM", "통신·미디어", "Communication Services", "XLC"),
    SectorDef("HEALTH", "제약·바이오", "Health Care", "XLV"),
    SectorDef("FIN", "금융", "Financials", "XLF"),
    SectorDef("DISCR", "자동차·유통", "Consumer Discretionary", "XLY"),
    SectorDef("INDUS", "산업재", "Industrials", "XLI"),
    SectorDef("MATER", "화학·소재", "Materials", "XLB"),
    SectorDef("ENERGY", "에너지·정유", "Energy", "XLE"),
    SectorDef("STAPLES", "필수소비재", "Consumer Staples", "XLP"),
    SectorDef("UTIL", "유틸리티", "Utilities", "XLU"),
    SectorDef("REIT", "부동산", "Real Estate", "XLRE"),
)

SECTOR_BY_ETF_KEY: dict[str, str] = {s.etf: s.code for s in SECTORS}
SECTOR_BY_CODE: dict[str, SectorDef] = {s.code: s for s in SECTORS}

US_ETF_NAMES: dict[str, str] = {
    "XLK": "Technology Select Sector SPDR",
    "XLF": "Financial Select Sector SPDR",
    "XLE": "Energy Select Sector SPDR",
    "XLV": "Health Care Select Sector SPDR",
    "XLI": "Industrial Select Sector SPDR",
    "XLP": "Consumer Staples Select Sector SPDR",
    "XLY": "Consumer Discretionary Select Sector SPDR",
    "XLU": "Utilities Select Sector SPDR",
    "XLB": "Materials Select Sector SPDR",
    "XLRE": "Real Estate Select Sector SPDR",
    "XLC": "Communication Services Select Sector SPDR",
    "SOXX": "iShares Semiconductor ETF",
    "SMH": "VanEck Semiconductor ETF",
}

# (etf, sector code, weight). PRD §11.1 maps Technology to "IT, 반도체"; semis follow SOXX/SMH first.
SEED_MAPPING: tuple[tuple[str, str, float], ...] = (
    ("XLK", "IT", 1.0),
    ("XLK", "SEMI", 0.5),
    ("SOXX", "SEMI", 1.0),
    ("SMH", "SEMI", 1.0),
    ("XLF", "FIN", 1.0),
    ("XLE", "ENERGY", 1.0),
    ("XLV", "HEALTH", 1.0),
    ("XLI", "INDUS", 1.0),
    ("XLP", "STAPLES", 1.0),
    ("XLY", "DISCR", 1.0),
    ("XLU", "UTIL", 1.0),
    ("XLB", "MATER", 1.0),
    ("XLRE", "REIT", 1.0),
    ("XLC", "COMM", 1.0),
)


def sector_for_etf_key(etf_key: str) -> str:
    """The sector code of a stock from its stock-master ``us_etf`` key."""
    try:
        return SECTOR_BY_ETF_KEY[etf_key]
    except KeyError:
        raise ValueError(f"unknown us_etf key {etf_key!r} in the stock master") from None
