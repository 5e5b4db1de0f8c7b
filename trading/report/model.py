"""Plain data types of the morning report: its inputs and the typed report with ``to_dict()``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Direction = Literal["up", "down", "neutral"]
Signal = Literal["up", "down"] | None


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsClose:
    close: float
    source: str  # yfinance | kis | simulated


UsSeries = Mapping[str, Mapping[date, UsClose]]  # symbol -> XNYS session date -> close


@dataclass(frozen=True, slots=True)
class MapRow:
    etf: str
    sector_code: str
    weight: float
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class StockRef:
    code: str
    name_ko: str
    name_en: str
    sector_code: str


@dataclass(frozen=True, slots=True)
class ReportInput:
    session_date: date
    us: UsSeries
    mapping: Sequence[MapRow]
    stocks: Mapping[str, StockRef]  # listed stocks by code
    values: Mapping[str, int]  # 거래대금 (won) of the previous KRX session by code
    kr_sources: frozenset[str] = frozenset()  # daily_bars sources of ``values`` (simulated, kis, csv, …)


def data_kind(sources: Iterable[str]) -> str:
    """What a set of data sources amounts to: none | simulated | real | mixed."""
    found = set(sources)
    if not found:
        return "none"
    if found == {"simulated"}:
        return "simulated"
    return "mixed" if "simulated" in found else "real"


# --- output ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Note:
    code: str
    ko: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "ko": self.ko, "en": self.en}


@dataclass(frozen=True, slots=True)
class UsMove:
    symbol: str
    name: str
    return_pct: float
    rank: int  # 1 = best; indexes are not ranked (0)
    close: float
    prev_close: float
    signal: Signal = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "name": self.name,
            "return_pct": round(self.return_pct, 4),
            "rank": self.rank,
            "close": self.close,
            "prev_close": self.prev_close,
            "signal": self.signal,
        }


@dataclass(frozen=True, slots=True)
class Driver:
    etf: str
    weight: float
    return_pct: float
    signal: Signal

    def to_dict(self) -> dict[str, Any]:
        return {
            "etf": self.etf,
            "weight": self.weight,
            "return_pct": round(self.return_pct, 4),
            "signal": self.signal,
        }


@dataclass(frozen=True, slots=True)
class KrSectorCall:
    code: str
    name_ko: str
    name_en: str
    direction: Direction
    signal_pct: float  # Σ weight × return of the called (up/down) drivers
    drivers: tuple[Driver, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_ko": self.name_ko,
            "name_en": self.name_en,
            "direction": self.direction,
            "signal_pct": round(self.signal_pct, 4),
            "drivers": [d.to_dict() for d in self.drivers],
        }


@dataclass(frozen=True, slots=True)
class Pick:
    code: str
    name: str
    name_en: str
    sector_code: str
    value: int  # 거래대금 of the previous KRX session, won
    value_rank: int  # 1 = largest in the market that day
    score: float
    reasons: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "sector_code": self.sector_code,
            "value": self.value,
            "value_rank": self.value_rank,
            "score": round(self.score, 6),
            "reasons": [dict(r) for r in self.reasons],
        }


@dataclass(slots=True)
class SectorReport:
    session_date: date
    us_session_date: date | None  # the XNYS session whose moves were used
    us_session_expected: date  # the session the calendar asks for
    prev_krx_session: date
    new_us_sessions: tuple[date, ...]
    data_source: str  # yfinance | kis | simulated | mixed | none
    simulated: bool
    stale_note: Note | None
    notes: list[Note]
    us_sectors: list[UsMove]
    us_indexes: list[UsMove]
    kr_sectors: list[KrSectorCall]
    picks: list[Pick]
    market_size: int  # stocks with 거래대금 on the previous session
    value_cutoff_rank: int  # picks must rank at or above this
    config: dict[str, Any]
    track_record: dict[str, Any] | None = field(default=None)
    kr_data: str = "none"  # the previous session's 거래대금: none | simulated | real | mixed
    us_data: str = "none"  # the US moves used: none | simulated | real | mixed
    us_missing: tuple[str, ...] = ()  # report symbols without a return for the US session used

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_date": self.session_date.isoformat(),
            "us_session_date": self.us_session_date.isoformat() if self.us_session_date else None,
            "us_session_expected": self.us_session_expected.isoformat(),
            "prev_krx_session": self.prev_krx_session.isoformat(),
            "us_sessions_since_prev_krx": [d.isoformat() for d in self.new_us_sessions],
            "data_source": self.data_source,
            "simulated": self.simulated,
            "stale_note": self.stale_note.to_dict() if self.stale_note else None,
            "notes": [n.to_dict() for n in self.notes],
            "us_sectors": [m.to_dict() for m in self.us_sectors],
            "us_indexes": [m.to_dict() for m in self.us_indexes],
            "kr_sectors": [k.to_dict() for k in self.kr_sectors],
            "picks": [p.to_dict() for p in self.picks],
            "market_size": self.market_size,
            "value_cutoff_rank": self.value_cutoff_rank,
            "config": dict(self.config),
            "track_record": self.track_record,
            "kr_data": self.kr_data,
            "us_data": self.us_data,
            "us_missing": list(self.us_missing),
        }
