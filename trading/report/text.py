"""Human text for stored report dicts (Korean first, English on request)."""

from __future__ import annotations

from typing import Any

from trading.krx.fmt import amount_en, amount_kr, pct
from trading.sectors import SECTOR_BY_CODE

DIRECTION_TEXT = {
    "up": ("강세 예상", "expected up"),
    "down": ("약세 예상", "expected down"),
    "neutral": ("중립", "neutral"),
}


def sector_name(code: str, lang: str = "ko") -> str:
    sd = SECTOR_BY_CODE.get(code)
    if sd is None:
        return code
    return sd.name_en if lang == "en" else sd.name_ko


def direction_text(direction: str, lang: str = "ko") -> str:
    ko, en = DIRECTION_TEXT[direction]
    return en if lang == "en" else ko


def amount(value: int, lang: str = "ko") -> str:
    return amount_en(value) if lang == "en" else amount_kr(value)


def reason_text(reason: dict[str, Any], lang: str = "ko") -> str:
    """One reason of a pick: the US move that lifts its sector, or its 거래대금 rank."""
    if reason["kind"] == "sector":
        w = reason["weight"]
        weight = "" if w == 1 else f" ×{w:g}"
        sector = sector_name(reason["sector_code"], lang)
        if lang == "en":
            return f"{reason['etf']} {pct(reason['return_pct'])}{weight} → {sector} expected up"
        return f"{reason['etf']} {pct(reason['return_pct'])}{weight} → {sector} 강세 예상"
    if lang == "en":
        return f"Trading value #{reason['rank']:,} of {reason['of']:,} ({amount(reason['value'], lang)})"
    return f"거래대금 {reason['rank']:,}위 / {reason['of']:,} ({amount(reason['value'], lang)})"


def note_text(note: dict[str, str] | None, lang: str = "ko") -> str:
    if not note:
        return ""
    return note["en"] if lang == "en" else note["ko"]
