"""A bot's configuration: strategy and params, universe, timeframe, sizing, exits, limits and mode.

``parse_bot(dict)`` checks every field and raises ``BotConfigError`` with one (Korean, English) message
per bad field, so a form or the CLI can show each next to its input. ``BotConfig.to_dict()`` is the
canonical JSON stored in ``bot_versions.config``; an edit stores a new version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from trading.sectors import SECTOR_BY_CODE

# Timeframe key → minutes per bar (0 = daily bars).
TIMEFRAMES: dict[str, int] = {"1m": 1, "5m": 5, "15m": 15, "60m": 60, "1d": 0}
UNIVERSE_KINDS = ("codes", "watchlist", "report", "top", "sector", "screen")
SIZING_KINDS = ("fixed", "percent", "atr")
MODES = ("paper", "mock", "real")
CODE_RE = re.compile(r"^[0-9A-Z]{6}$")
MAX_CODES = 200
DEFAULT_SIZING_VALUE = 1_000_000  # won per entry


class BotConfigError(ValueError):
    """Bad fields: ``errors`` maps a field (``exits.stop_loss_pct``) to its (Korean, English) message."""

    def __init__(self, errors: Mapping[str, tuple[str, str]]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {en}" for k, (_, en) in self.errors.items()))


@dataclass(frozen=True, slots=True)
class Universe:
    """Which stocks the bot trades. ``codes``: the list; ``top``: TOP ``n`` by 거래대금 (``market``
    optional); ``sector``: that sector's TOP ``n``; ``report``: today's morning-report picks; ``watchlist``:
    the owner's watchlist; ``screen``: the hits of ``screen`` (a screen spec, see /screen)."""

    kind: str = "codes"
    codes: tuple[str, ...] = ()
    n: int = 0
    sector: str = ""
    market: str = ""
    screen: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Sizing:
    """``fixed``: ``value`` won per entry; ``percent``: ``value`` % of equity; ``atr``: risk ``value`` % of
    equity per ATR(``atr_period``) of the bot's bars."""

    kind: str = "fixed"
    value: float = 1_000_000  # DEFAULT_SIZING_VALUE
    atr_period: int = 14


@dataclass(frozen=True, slots=True)
class Exits:
    """Watched on live ticks (percent of the entry price; None = off).

    protect (이익보존): armed once the gain reaches ``protect_arm_pct``; then exits when the gain falls back
    to ``protect_floor_pct`` (hysteresis: arm above, exit below). ``time_exit_bars``: exit at the close of
    the n-th bar held."""

    stop_loss_pct: float | None = None
    take_profit_pct: float | None = None
    trailing_pct: float | None = None
    protect_arm_pct: float | None = None
    protect_floor_pct: float | None = None
    time_exit_bars: int | None = None


@dataclass(frozen=True, slots=True)
class BotLimits:
    """The bot's own risk limits, checked by the runner before the gateway's account checks."""

    max_positions: int = 5
    cooldown_bars: int = 0  # bars without a new entry in a stock after a stop-loss there
    max_consecutive_losses: int | None = None  # the bot stops after this many losing trades in a row


@dataclass(frozen=True, slots=True)
class StalePolicy:
    """What the bot does when its feed goes quiet while it holds a position: an alert after
    ``alert_after_s`` seconds without a tick, a market exit after ``exit_after_s`` (None = never)."""

    alert_after_s: float = 15.0
    exit_after_s: float | None = 120.0


@dataclass(frozen=True, slots=True)
class BotConfig:
    name: str
    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    universe: Universe = Universe()
    timeframe: str = "1m"
    sizing: Sizing = Sizing()
    exits: Exits = Exits()
    limits: BotLimits = BotLimits()
    stale: StalePolicy = StalePolicy()
    mode: str = "paper"

    @property
    def bar_minutes(self) -> int:
        """Minutes per bar (0 = daily)."""
        return TIMEFRAMES[self.timeframe]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["universe"]["codes"] = list(self.universe.codes)
        return out


class _Errors:
    """Collects one message per field while a config is parsed."""

    def __init__(self) -> None:
        self.errors: dict[str, tuple[str, str]] = {}

    def add(self, key: str, ko: str, en: str) -> None:
        self.errors.setdefault(key, (ko, en))

    def number(self, src: Mapping[str, Any], key: str, path: str, *, positive: bool = True,
               integer: bool = False, default: Any = None) -> Any:  # fmt: skip
        """``src[key]`` as a number (None/"" = ``default``); a message when it is not a number or not > 0
        (or < 0 when ``positive`` is False)."""
        raw = src.get(key, default)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except (TypeError, ValueError):
            self.add(path, f"숫자를 입력하세요: {raw!r}", f"must be a number, got {raw!r}")
            return default
        if integer and value != int(value):
            self.add(path, f"정수를 입력하세요: {raw!r}", f"must be a whole number, got {raw!r}")
            return default
        if positive and not value > 0:
            self.add(path, "0보다 커야 합니다", f"must be > 0, got {raw!r}")
            return default
        if not positive and value < 0:
            self.add(path, "음수일 수 없습니다", f"must not be negative, got {raw!r}")
            return default
        return int(value) if integer else value


StrategyCheck = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def parse_bot(raw: Mapping[str, Any], check_strategy: StrategyCheck) -> BotConfig:
    """A checked ``BotConfig`` from a form, the CLI or a stored version.

    ``check_strategy(name, params)`` returns the resolved params or raises ``KeyError`` (unknown strategy)
    or ``ValueError`` (bad params, message in English)."""
    e = _Errors()
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 60:
        e.add("name", "봇 이름을 1~60자로 입력하세요", "the bot needs a name of 1-60 characters")
    strategy = str(raw.get("strategy") or "").strip()
    params: dict[str, Any] = {}
    if not strategy:
        e.add("strategy", "전략을 고르세요", "choose a strategy")
    else:
        try:
            params = check_strategy(strategy, dict(raw.get("params") or {}))
        except KeyError:
            e.add("strategy", f"알 수 없는 전략입니다: {strategy}", f"unknown strategy {strategy!r}")
        except (TypeError, ValueError) as err:
            e.add("params", f"전략 파라미터가 잘못되었습니다: {err}", f"bad strategy parameters: {err}")
    timeframe = str(raw.get("timeframe") or "1m")
    if timeframe not in TIMEFRAMES:
        e.add("timeframe", f"봉 주기는 {', '.join(TIMEFRAMES)} 중 하나입니다",
              f"the timeframe must be one of {', '.join(TIMEFRAMES)}")  # fmt: skip
    mode = str(raw.get("mode") or "paper")
    if mode not in MODES:
        e.add("mode", "모드는 paper, mock, real 중 하나입니다", "the mode must be one of paper, mock, real")
    cfg = BotConfig(
        name=name,
        strategy=strategy,
        params=params,
        universe=_universe(raw.get("universe") or {}, e),
        timeframe=timeframe,
        sizing=_sizing(raw.get("sizing") or {}, e),
        exits=_exits(raw.get("exits") or {}, e),
        limits=_limits(raw.get("limits") or {}, e),
        stale=_stale(raw.get("stale") or {}, e),
        mode=mode,
    )
    if e.errors:
        raise BotConfigError(e.errors)
    return cfg


def _universe(raw: Mapping[str, Any], e: _Errors) -> Universe:
    kind = str(raw.get("kind") or "codes")
    if kind not in UNIVERSE_KINDS:
        e.add("universe.kind", f"종목 범위는 {', '.join(UNIVERSE_KINDS)} 중 하나입니다",
              f"the universe must be one of {', '.join(UNIVERSE_KINDS)}")  # fmt: skip
        return Universe()
    codes_raw = raw.get("codes") or ()
    if isinstance(codes_raw, str):
        codes_raw = [c for c in re.split(r"[\s,]+", codes_raw) if c]
    codes = tuple(dict.fromkeys(str(c).strip().upper() for c in codes_raw))
    n = e.number(raw, "n", "universe.n", integer=True, default=0) if kind in ("top", "sector") else 0
    sector = str(raw.get("sector") or "")
    if kind == "codes":
        bad = [c for c in codes if not CODE_RE.match(c)]
        if not codes:
            e.add(
                "universe.codes",
                "종목을 하나 이상 입력하세요",
                "the universe is empty: give at least one code",
            )
        elif bad:
            e.add("universe.codes", f"종목코드 형식이 아닙니다: {', '.join(bad[:5])}",
                  f"not stock codes: {', '.join(bad[:5])}")  # fmt: skip
        elif len(codes) > MAX_CODES:
            e.add("universe.codes", f"종목은 {MAX_CODES}개까지입니다", f"at most {MAX_CODES} codes")
    if kind in ("top", "sector") and not (n and 1 <= n <= MAX_CODES):
        e.add("universe.n", f"TOP N은 1~{MAX_CODES}입니다", f"TOP N must be 1-{MAX_CODES}")
    if kind == "sector" and sector not in SECTOR_BY_CODE:
        e.add("universe.sector", f"알 수 없는 섹터입니다: {sector}", f"unknown sector {sector!r}")
    screen = raw.get("screen") if kind == "screen" else None
    if kind == "screen" and not isinstance(screen, Mapping):
        e.add(
            "universe.screen", "스크리닝 조건이 필요합니다", "a screen universe needs the screen's criteria"
        )
    market = str(raw.get("market") or "")
    return Universe(kind, codes if kind == "codes" else (), int(n or 0), sector, market,
                    dict(screen) if isinstance(screen, Mapping) else None)  # fmt: skip


def _sizing(raw: Mapping[str, Any], e: _Errors) -> Sizing:
    kind = str(raw.get("kind") or "fixed")
    if kind not in SIZING_KINDS:
        e.add("sizing.kind", "투자 금액 방식은 fixed, percent, atr 중 하나입니다",
              "sizing must be one of fixed, percent, atr")  # fmt: skip
        return Sizing()
    value = e.number(raw, "value", "sizing.value", default=DEFAULT_SIZING_VALUE)
    if kind == "percent" and value is not None and value > 100:
        e.add("sizing.value", "비율은 100% 이하입니다", "a percent of equity must be <= 100")
    period = e.number(raw, "atr_period", "sizing.atr_period", integer=True, default=14)
    return Sizing(kind, float(value or DEFAULT_SIZING_VALUE), int(period or 14))


def _exits(raw: Mapping[str, Any], e: _Errors) -> Exits:
    pct = {k: e.number(raw, k, f"exits.{k}") for k in
           ("stop_loss_pct", "take_profit_pct", "trailing_pct", "protect_arm_pct")}  # fmt: skip
    floor = e.number(raw, "protect_floor_pct", "exits.protect_floor_pct", positive=False)
    bars = e.number(raw, "time_exit_bars", "exits.time_exit_bars", integer=True)
    for k in ("stop_loss_pct", "trailing_pct"):
        if pct[k] is not None and pct[k] >= 100:
            e.add(f"exits.{k}", "100% 미만이어야 합니다", "must be < 100")
    arm = pct["protect_arm_pct"]
    if (arm is None) != (floor is None):
        e.add("exits.protect_floor_pct", "이익보존은 발동 수익률과 보존 수익률을 함께 정합니다",
              "이익보존 needs both the arming gain and the floor")  # fmt: skip
    elif arm is not None and floor is not None and floor >= arm:
        e.add("exits.protect_floor_pct", "보존 수익률은 발동 수익률보다 낮아야 합니다",
              "the floor must be below the arming gain")  # fmt: skip
    return Exits(pct["stop_loss_pct"], pct["take_profit_pct"], pct["trailing_pct"], arm, floor, bars)


def _limits(raw: Mapping[str, Any], e: _Errors) -> BotLimits:
    maxpos = e.number(raw, "max_positions", "limits.max_positions", integer=True, default=5)
    cooldown = e.number(raw, "cooldown_bars", "limits.cooldown_bars", integer=True, positive=False, default=0)
    losses = e.number(raw, "max_consecutive_losses", "limits.max_consecutive_losses", integer=True)
    return BotLimits(int(maxpos or 5), int(cooldown or 0), losses)


def _stale(raw: Mapping[str, Any], e: _Errors) -> StalePolicy:
    alert = e.number(raw, "alert_after_s", "stale.alert_after_s", default=15.0)
    exit_after = e.number(raw, "exit_after_s", "stale.exit_after_s", default=None if "exit_after_s" in raw
                          else 120.0)  # fmt: skip
    if alert is not None and exit_after is not None and exit_after <= alert:
        e.add("stale.exit_after_s", "청산 시점은 알림 시점보다 늦어야 합니다",
              "the exit must come after the alert")  # fmt: skip
    return StalePolicy(float(alert or 15.0), exit_after)
