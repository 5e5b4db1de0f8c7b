"""A stock screen's criteria (``ScreenSpec``), parsed from and written to a JSON-ready dict.

Every criterion is optional and they are ANDed. ``parse_screen`` checks the whole dict and raises
``ScreenError`` with one (Korean, English) message per bad field, keyed by the field's path
(``"rsi.max"``, ``"ma_cross.slow"``, ``"sectors"``, …).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trading.sectors import SECTORS

MARKETS = ("KOSPI", "KOSDAQ")
DIRECTIONS = ("golden", "dead")
US_LINKED = ("up", "down")
PANEL_SESSIONS = 130  # the daily-bar sessions a screen sees
MAX_LOOKBACK = 120  # the longest indicator window
MAX_WITHIN = 20
MAX_LIMIT = 500
DEFAULT_LIMIT = 50

_SECTOR_CODES = {s.code: s.code for s in SECTORS}
_SECTOR_BY_NAME = {
    **_SECTOR_CODES,
    **{s.name_ko: s.code for s in SECTORS},
    **{s.name_en: s.code for s in SECTORS},
}


class ScreenError(ValueError):
    """A screen spec was refused: ``errors`` maps each bad field to its (Korean, English) message."""

    def __init__(self, errors: dict[str, tuple[str, str]]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {en}" for k, (_, en) in self.errors.items()))


@dataclass(frozen=True, slots=True)
class RsiRule:
    """Wilder's RSI(period) on the last session within [min, max] (either bound optional)."""

    period: int = 14
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class MacdCross:
    """The MACD line crossed its signal line upward (golden) or downward (dead) in the last ``within`` sessions."""

    direction: str = "golden"
    within: int = 3
    fast: int = 12
    slow: int = 26
    signal: int = 9


@dataclass(frozen=True, slots=True)
class MaCross:
    """SMA(fast) crossed SMA(slow) upward (golden) or downward (dead) in the last ``within`` sessions."""

    direction: str = "golden"
    within: int = 3
    fast: int = 5
    slow: int = 20


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    """The criteria of a screen (all ANDed); results are sorted by 거래대금, at most ``limit``."""

    rsi: RsiRule | None = None
    macd_cross: MacdCross | None = None
    ma_cross: MaCross | None = None
    value_rank_max: int | None = None  # in the TOP N by 거래대금 of the last session
    sectors: tuple[str, ...] = ()  # sector codes (trading/sectors.py)
    markets: tuple[str, ...] = ()  # KOSPI / KOSDAQ
    price_min: int | None = None  # won
    price_max: int | None = None
    us_linked: str | None = None  # up / down: sectors the latest morning report expects up / down
    limit: int = DEFAULT_LIMIT

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict ``parse_screen`` reads back into an equal spec (unset criteria left out)."""
        out: dict[str, Any] = {}
        if self.rsi is not None:
            out["rsi"] = {"period": self.rsi.period, "min": self.rsi.min, "max": self.rsi.max}
        if self.macd_cross is not None:
            m = self.macd_cross
            out["macd_cross"] = {"direction": m.direction, "within": m.within, "fast": m.fast,
                                 "slow": m.slow, "signal": m.signal}  # fmt: skip
        if self.ma_cross is not None:
            a = self.ma_cross
            out["ma_cross"] = {"direction": a.direction, "within": a.within, "fast": a.fast, "slow": a.slow}
        for key in ("value_rank_max", "price_min", "price_max", "us_linked"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.sectors:
            out["sectors"] = list(self.sectors)
        if self.markets:
            out["markets"] = list(self.markets)
        out["limit"] = self.limit
        return out

    def lookback(self) -> int:
        """Sessions of history the criteria need (at least 2, for the day's change)."""
        need = 2
        if self.rsi is not None:
            need = max(need, self.rsi.period + 1)
        if self.macd_cross is not None:
            need = max(need, self.macd_cross.slow + self.macd_cross.signal + self.macd_cross.within)
        if self.ma_cross is not None:
            need = max(need, self.ma_cross.slow + self.ma_cross.within)
        return need


# --- parsing --------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, tuple[str, str]] = {}

    def add(self, key: str, ko: str, en: str) -> None:
        self.errors.setdefault(key, (ko, en))


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _number(v: object) -> float | None:
    """``v`` as a finite float (numbers and digit strings, thousands commas allowed), else None."""
    if isinstance(v, bool):
        return None
    try:
        f = float(v.replace(",", "").strip()) if isinstance(v, str) else float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _int(err: _Errors, key: str, v: object, lo: int, hi: int | None = None) -> int | None:
    """An integer in [lo, hi] (a whole float or digit string is accepted), or None after an error."""
    f = _number(v)
    if f is None or f != int(f):
        err.add(key, "정수를 입력하세요", "must be a whole number")
        return None
    n = int(f)
    if hi is not None and not lo <= n <= hi:
        err.add(key, f"{lo:,}~{hi:,} 사이의 값이어야 합니다", f"must be between {lo:,} and {hi:,}")
        return None
    if n < lo:
        err.add(key, f"{lo:,} 이상이어야 합니다", f"must be at least {lo:,}")
        return None
    return n


def _float(err: _Errors, key: str, v: object, lo: float, hi: float) -> float | None:
    f = _number(v)
    if f is None:
        err.add(key, "숫자를 입력하세요", "must be a number")
        return None
    if not lo <= f <= hi:
        err.add(key, f"{lo:g}~{hi:g} 사이의 값이어야 합니다", f"must be between {lo:g} and {hi:g}")
        return None
    return f


def _choice(err: _Errors, key: str, v: object, allowed: tuple[str, ...]) -> str | None:
    s = str(v).strip().lower() if isinstance(v, str) else None
    if s not in allowed:
        err.add(key, f"{' / '.join(allowed)} 중 하나여야 합니다", f"must be one of {', '.join(allowed)}")
        return None
    return s


def _section(err: _Errors, d: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any] | None:
    """The sub-dict of criterion ``key`` (None: not set), unknown fields reported."""
    v = d.get(key)
    if v is None or v is False or v == {}:
        return None
    if not isinstance(v, dict):
        err.add(key, "설정 형식이 올바르지 않습니다", "must be an object")
        return None
    for extra in sorted(set(v) - allowed):
        err.add(f"{key}.{extra}", "알 수 없는 항목입니다", "unknown field")
    return v


def _opt(sub: dict[str, Any], name: str, default: object) -> object:
    v = sub.get(name)
    return default if _blank(v) else v


def _rsi(err: _Errors, d: dict[str, Any]) -> RsiRule | None:
    sub = _section(err, d, "rsi", {"period", "min", "max"})
    if sub is None:
        return None
    period = _int(err, "rsi.period", _opt(sub, "period", 14), 2, 60)
    lo = None if _blank(sub.get("min")) else _float(err, "rsi.min", sub["min"], 0, 100)
    hi = None if _blank(sub.get("max")) else _float(err, "rsi.max", sub["max"], 0, 100)
    if lo is None and hi is None and "rsi.min" not in err.errors and "rsi.max" not in err.errors:
        err.add("rsi.max", "RSI 최소나 최대 중 하나는 입력하세요", "give a minimum or a maximum RSI")
    if lo is not None and hi is not None and lo > hi:
        err.add("rsi.max", "최대가 최소보다 작습니다", "the maximum is below the minimum")
    return None if period is None else RsiRule(period, lo, hi)


def _cross_common(err: _Errors, key: str, sub: dict[str, Any]) -> tuple[str | None, int | None]:
    direction = _choice(err, f"{key}.direction", _opt(sub, "direction", "golden"), DIRECTIONS)
    within = _int(err, f"{key}.within", _opt(sub, "within", 3), 1, MAX_WITHIN)
    return direction, within


def _fast_slow(err: _Errors, key: str, sub: dict[str, Any], defaults: tuple[int, int], hi: int) -> tuple:
    fast = _int(err, f"{key}.fast", _opt(sub, "fast", defaults[0]), 1, hi)
    slow = _int(err, f"{key}.slow", _opt(sub, "slow", defaults[1]), 2, hi)
    if fast is not None and slow is not None and fast >= slow:
        err.add(f"{key}.slow", "느린 기간이 빠른 기간보다 커야 합니다", "slow must be longer than fast")
    return fast, slow


def _macd(err: _Errors, d: dict[str, Any]) -> MacdCross | None:
    sub = _section(err, d, "macd_cross", {"direction", "within", "fast", "slow", "signal"})
    if sub is None:
        return None
    direction, within = _cross_common(err, "macd_cross", sub)
    fast, slow = _fast_slow(err, "macd_cross", sub, (12, 26), 60)
    signal = _int(err, "macd_cross.signal", _opt(sub, "signal", 9), 1, 30)
    if None in (direction, within, fast, slow, signal):
        return None
    return MacdCross(direction, within, fast, slow, signal)  # type: ignore[arg-type]


def _ma(err: _Errors, d: dict[str, Any]) -> MaCross | None:
    sub = _section(err, d, "ma_cross", {"direction", "within", "fast", "slow"})
    if sub is None:
        return None
    direction, within = _cross_common(err, "ma_cross", sub)
    fast, slow = _fast_slow(err, "ma_cross", sub, (5, 20), MAX_LOOKBACK)
    if slow is not None and within is not None and slow + within > PANEL_SESSIONS:
        err.add("ma_cross.within", f"느린 기간과 N일의 합은 {PANEL_SESSIONS}일 이하여야 합니다",
                f"slow + within must be at most {PANEL_SESSIONS} sessions")  # fmt: skip
        return None
    if None in (direction, within, fast, slow):
        return None
    return MaCross(direction, within, fast, slow)  # type: ignore[arg-type]


def _names(err: _Errors, key: str, v: object) -> list[str]:
    if _blank(v):
        return []
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list | tuple) or not all(isinstance(x, str) for x in items):
        err.add(key, "목록 형식이어야 합니다", "must be a list of names")
        return []
    return [x.strip() for x in items if x.strip()]


def _sectors(err: _Errors, d: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for name in _names(err, "sectors", d.get("sectors")):
        code = _SECTOR_BY_NAME.get(name) or _SECTOR_CODES.get(name.upper())
        if code is None:
            err.add("sectors", f"알 수 없는 섹터: {name}", f"unknown sector: {name}")
        elif code not in out:
            out.append(code)
    return tuple(out)


def _markets(err: _Errors, d: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for name in _names(err, "markets", d.get("markets")):
        if name.upper() not in MARKETS:
            err.add(
                "markets", f"시장은 {' / '.join(MARKETS)} 중 하나입니다", f"markets are {', '.join(MARKETS)}"
            )
        elif name.upper() not in out:
            out.append(name.upper())
    return tuple(out)


KEYS = {"rsi", "macd_cross", "ma_cross", "value_rank_max", "sectors", "markets", "price_min", "price_max",
        "us_linked", "limit"}  # fmt: skip


def parse_screen(d: dict[str, Any]) -> ScreenSpec:
    """A ``ScreenSpec`` from a dict (a form, the CLI, a bot's universe); ``ScreenError`` lists every bad field."""
    if not isinstance(d, dict):
        raise ScreenError({"spec": ("조건 형식이 올바르지 않습니다", "the screen must be a JSON object")})
    err = _Errors()
    for extra in sorted(set(d) - KEYS):
        err.add(extra, "알 수 없는 조건입니다", "unknown criterion")
    rsi, macd, ma = _rsi(err, d), _macd(err, d), _ma(err, d)
    rank = (
        None if _blank(d.get("value_rank_max")) else _int(err, "value_rank_max", d["value_rank_max"], 1, 5000)
    )
    pmin = None if _blank(d.get("price_min")) else _int(err, "price_min", d["price_min"], 0)
    pmax = None if _blank(d.get("price_max")) else _int(err, "price_max", d["price_max"], 0)
    if pmin is not None and pmax is not None and pmin > pmax:
        err.add("price_max", "최고가가 최저가보다 낮습니다", "the maximum price is below the minimum")
    us = None if _blank(d.get("us_linked")) else _choice(err, "us_linked", d["us_linked"], US_LINKED)
    limit = _int(err, "limit", _opt(d, "limit", DEFAULT_LIMIT), 1, MAX_LIMIT)
    sectors, markets = _sectors(err, d), _markets(err, d)
    if err.errors:
        raise ScreenError(err.errors)
    return ScreenSpec(rsi, macd, ma, rank, sectors, markets, pmin, pmax, us, limit or DEFAULT_LIMIT)
