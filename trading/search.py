"""Stock search by code, Korean name, English name and Korean initial consonants (초성).

Framework-free. ``SearchIndex(stocks).search(query)`` ranks matches in tiers:

0. exact code, 1. exact name, 2. code or name prefix, 3. 초성 prefix, 4. 초성 anywhere,
5. substring of code or name.

Within a tier, more liquid stocks come first (``liquidity``: code → today's 거래대금, when the caller
has it), then shorter names, then the code. In a query a compatibility jamo consonant (ㄱ..ㅎ) matches
either itself or any syllable starting with it, so "ㅅㅅㅈㅈ", "삼ㅅㅈㅈ" and "삼성ㅈ" all find 삼성전자.
Spaces and case are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The 19 initial consonants in Unicode syllable order, as compatibility jamo (what keyboards type).
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_CHOSEONG_SET = frozenset(CHOSEONG)
_SYL_FIRST, _SYL_LAST, _SYL_PER_INITIAL = 0xAC00, 0xD7A3, 588


def choseong(text: str) -> str:
    """Each Hangul syllable replaced by its initial consonant; other characters kept: 삼성전자 → ㅅㅅㅈㅈ."""
    out = []
    for ch in text:
        code = ord(ch)
        if _SYL_FIRST <= code <= _SYL_LAST:
            out.append(CHOSEONG[(code - _SYL_FIRST) // _SYL_PER_INITIAL])
        else:
            out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """Lower case without whitespace."""
    return "".join(text.split()).lower()


def has_jamo(query: str) -> bool:
    """True if the query holds an initial consonant typed on its own (a 초성 query)."""
    return any(ch in _CHOSEONG_SET for ch in query)


@dataclass(frozen=True, slots=True)
class StockEntry:
    code: str
    name_ko: str
    name_en: str = ""
    market: str = ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    name_ko: str
    name_en: str
    market: str
    tier: int  # 0 best; see the module docstring


@dataclass(frozen=True, slots=True)
class _Row:
    entry: StockEntry
    code: str  # lower case
    ko: str  # normalised
    en: str  # normalised
    cho: str  # 초성 of the normalised Korean name


def _jamo_find(query: str, name: str, cho: str) -> int:
    """First index where ``query`` matches ``name`` with jamo as wildcards for their syllables, or -1."""
    n, m = len(name), len(query)
    for start in range(n - m + 1):
        for k, q in enumerate(query):
            c = name[start + k]
            if c != q and not (q in _CHOSEONG_SET and cho[start + k] == q):
                break
        else:
            return start
    return -1


class SearchIndex:
    """An in-memory index over the stock master (2,555 stocks: a linear scan takes ~2 ms)."""

    def __init__(self, stocks: Iterable[StockEntry]):
        self._rows = []
        for s in stocks:
            ko = normalize(s.name_ko)
            self._rows.append(_Row(s, s.code.lower(), ko, normalize(s.name_en or ""), choseong(ko)))

    def __len__(self) -> int:
        return len(self._rows)

    @staticmethod
    def _tier(r: _Row, q: str, jamo: bool) -> int | None:
        if r.code == q:
            return 0
        if q in (r.ko, r.en):
            return 1
        if r.code.startswith(q) or r.ko.startswith(q) or (r.en and r.en.startswith(q)):
            return 2
        if jamo:
            pos = _jamo_find(q, r.ko, r.cho)
            if pos == 0:
                return 3
            if pos > 0:
                return 4
            return None
        if q in r.ko or q in r.en or q in r.code:
            return 5
        return None

    def search(
        self, query: str, limit: int = 10, liquidity: Mapping[str, int] | None = None
    ) -> list[SearchHit]:
        """The best ``limit`` matches for ``query`` (empty query → no hits)."""
        q = normalize(query)
        if not q:
            return []
        jamo = has_jamo(q)
        liq = liquidity or {}
        scored = []
        for r in self._rows:
            tier = self._tier(r, q, jamo)
            if tier is not None:
                e = r.entry
                scored.append((tier, -liq.get(e.code, 0), len(r.ko), e.code, e))
        scored.sort(key=lambda x: x[:4])
        return [SearchHit(e.code, e.name_ko, e.name_en, e.market, tier) for tier, *_, e in scored[:limit]]
