"""What a stored backtest run asks for: checked, typed, and back to JSON.

``parse_spec(strategy, params, config)`` accepts what the web form sends (strings, "5,10,20" lists
for a grid) as well as what was stored before (typed values), and raises ``SpecError`` with an
English message (``str(err)``, what a failed run stores) and a Korean one (``err.ko``, what the
page shows). ``BacktestSpec.params_json()`` / ``config_json()`` are the canonical stored form, so
parsing them again gives the same spec. Checks that need the database (does a stock exist?) are
done by ``workers.backtest_jobs``.

Stored config keys: mode (single | grid | walk_forward), universe {kind: codes | sector | report |
ranking, codes, sector, date, top}, start, end (YYYY-MM-DD), data (daily | minute | ticks),
commission_pct (None = broker default), tax_pct (None = the KRX table), slippage_ticks, sizing
{kind: all_in | fixed | percent, value (won / percent of equity)}, fill, cash (won), grid {param:
[values]}, metric, train_days, test_days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from trading.domain import is_valid_code
from trading.strategies.registry import get_strategy

MODES = ("single", "grid", "walk_forward")
UNIVERSES = ("codes", "sector", "report", "ranking")
DATA_KINDS = ("daily", "minute", "ticks")
FILLS = ("next_open", "close")
SIZINGS = ("all_in", "fixed", "percent")
METRICS = ("sharpe", "total_return", "cagr", "sortino", "profit_factor", "win_rate")
MAX_CODES = {"daily": 200, "minute": 30, "ticks": 10}
DATA_KO = {"daily": "일봉", "minute": "분봉", "ticks": "틱"}
MAX_COMBOS = 200
MAX_CASH = 10**13
EDITABLE = (bool, int, float, str, type(None))


class SpecError(ValueError):
    """A bad backtest request: ``str(err)`` is English, ``err.ko`` Korean."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.ko = ko

    def text(self, lang: str) -> str:
        """The message in ``lang`` ("ko" or "en")."""
        return str(self) if lang == "en" else self.ko


@dataclass(frozen=True)
class Universe:
    """Which stocks: explicit ``codes``, a ``sector``'s TOP ``top`` by 거래대금, a morning report's
    picks for ``day``, or the market's TOP ``top`` by the previous session's 거래대금."""

    kind: str
    codes: tuple[str, ...] = ()
    sector: str | None = None
    day: date | None = None
    top: int = 20

    def to_json(self) -> dict[str, Any]:
        if self.kind == "codes":
            return {"kind": "codes", "codes": list(self.codes)}
        if self.kind == "sector":
            return {"kind": "sector", "sector": self.sector, "top": self.top}
        if self.kind == "report":
            return {"kind": "report", "date": self.day.isoformat() if self.day else None}
        return {"kind": "ranking", "top": self.top}


@dataclass(frozen=True)
class BacktestSpec:
    """A checked backtest request (see the module docstring for the fields)."""

    strategy: str
    params: dict[str, Any]
    universe: Universe
    start: date
    end: date
    mode: str = "single"
    data: str = "daily"
    commission_pct: float | None = None
    tax_pct: float | None = None
    slippage_ticks: int = 0
    sizing_kind: str = "all_in"
    sizing_value: float | None = None
    fill: str = "next_open"
    cash: int = 100_000_000
    grid: dict[str, list[Any]] = field(default_factory=dict)
    metric: str = "sharpe"
    train_days: int = 180
    test_days: int = 60

    @property
    def sizing(self) -> str:
        """The engine's sizing string ("all_in", "fixed:1000000", "percent:0.2")."""
        if self.sizing_kind == "fixed":
            return f"fixed:{int(self.sizing_value or 0)}"
        if self.sizing_kind == "percent":
            return f"percent:{(self.sizing_value or 0) / 100.0}"
        return "all_in"

    @property
    def commission(self) -> float | None:
        return None if self.commission_pct is None else self.commission_pct / 100.0

    @property
    def tax(self) -> float | None:
        return None if self.tax_pct is None else self.tax_pct / 100.0

    def combinations(self) -> list[dict[str, Any]]:
        """The grid's parameter combinations (``fast`` < ``slow`` when a strategy has both)."""
        names = list(self.grid)
        combos = [dict(zip(names, values, strict=True)) for values in product(*self.grid.values())]
        return [c for c in combos if fast_below_slow({**self.params, **c})]

    def params_json(self) -> dict[str, Any]:
        return dict(self.params)

    def config_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "universe": self.universe.to_json(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "data": self.data,
            "commission_pct": self.commission_pct,
            "tax_pct": self.tax_pct,
            "slippage_ticks": self.slippage_ticks,
            "sizing": {"kind": self.sizing_kind, "value": self.sizing_value},
            "fill": self.fill,
            "cash": self.cash,
        }
        if self.mode != "single":
            out.update({"grid": self.grid, "metric": self.metric})
        if self.mode == "walk_forward":
            out.update({"train_days": self.train_days, "test_days": self.test_days})
        return out


def fast_below_slow(params: Mapping[str, Any]) -> bool:
    fast, slow = params.get("fast"), params.get("slow")
    return not (isinstance(fast, (int, float)) and isinstance(slow, (int, float))) or fast < slow


# --- scalar parsing -------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(raw: Any, what_en: str, what_ko: str) -> float:
    if isinstance(raw, bool):
        raise SpecError(f"{what_en} must be a number", f"{what_ko}은(는) 숫자여야 합니다")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(str(raw).strip().replace("_", ""))
        except ValueError:
            raise SpecError(
                f"{what_en} must be a number, got {raw!r}", f"{what_ko}은(는) 숫자여야 합니다 (입력: {raw})"
            ) from None
    if not math.isfinite(value):
        raise SpecError(f"{what_en} must be a finite number", f"{what_ko}은(는) 유한한 숫자여야 합니다")
    return value


def _integer(raw: Any, what_en: str, what_ko: str) -> int:
    value = _number(raw, what_en, what_ko)
    if not value.is_integer():
        raise SpecError(
            f"{what_en} must be a whole number, got {raw!r}",
            f"{what_ko}은(는) 정수여야 합니다 (입력: {raw})",
        )
    return int(value)


def _in_range(value: float, lo: float, hi: float, what_en: str, what_ko: str) -> None:
    if not lo <= value <= hi:
        raise SpecError(
            f"{what_en} must be between {lo:g} and {hi:g}", f"{what_ko}은(는) {lo:g} ~ {hi:g} 사이여야 합니다"
        )


def _choice(raw: Any, choices: tuple[str, ...], default: str, what_en: str, what_ko: str) -> str:
    value = default if _blank(raw) else str(raw).strip()
    if value not in choices:
        raise SpecError(
            f"{what_en} must be one of {', '.join(choices)}, got {value!r}",
            f"{what_ko} 값이 올바르지 않습니다: {value}",
        )
    return value


def _day(raw: Any, what_en: str, what_ko: str) -> date:
    if isinstance(raw, date):
        return raw
    if _blank(raw):
        raise SpecError(f"{what_en} is missing", f"{what_ko}을(를) 입력하세요")
    try:
        return date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise SpecError(
            f"{what_en} must be a date YYYY-MM-DD, got {raw!r}", f"{what_ko} 형식이 올바르지 않습니다: {raw}"
        ) from None


def _optional_pct(raw: Any, what_en: str, what_ko: str) -> float | None:
    if _blank(raw):
        return None
    value = _number(raw, what_en, what_ko)
    _in_range(value, 0.0, 5.0, what_en, what_ko)
    return value


# --- strategy parameters --------------------------------------------------------------------


def _param_value(name: str, raw: Any, default: Any) -> Any:
    """One parameter value, typed like its default (None default: empty = None, else a number)."""
    en, ko = f"parameter {name}", f"파라미터 {name}"
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "y", "on", "예"):
            return True
        if text in ("false", "0", "no", "n", "off", "아니오"):
            return False
        raise SpecError(f"{en} must be true or false, got {raw!r}", f"{ko}은(는) true 또는 false여야 합니다")
    if isinstance(default, int):
        if _blank(raw):
            raise SpecError(f"{en} is missing", f"{ko} 값을 입력하세요")
        return _integer(raw, en, ko)
    if isinstance(default, float):
        if _blank(raw):
            raise SpecError(f"{en} is missing", f"{ko} 값을 입력하세요")
        return _number(raw, en, ko)
    if default is None:
        return None if _blank(raw) else _number(raw, en, ko)
    if isinstance(default, str):
        return "" if raw is None else str(raw).strip()
    if not isinstance(raw, type(default)):
        raise SpecError(f"{en} must be a {type(default).__name__}", f"{ko} 형식이 올바르지 않습니다")
    return raw


def _values(raw: Any) -> list[Any]:
    """A parameter's raw input as a list: a list, or a string split on commas."""
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str) and "," in raw:
        return [part for part in (p.strip() for p in raw.split(",")) if part]
    return [raw]


def _parse_params(
    strategy: str, raw_params: Mapping[str, Any], raw_grid: Mapping[str, Any], mode: str
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    try:
        strat = get_strategy(strategy)
    except KeyError:
        raise SpecError(f"unknown strategy {strategy!r}", f"알 수 없는 전략입니다: {strategy}") from None
    except RuntimeError as err:
        raise SpecError(str(err), f"전략 파일을 불러올 수 없습니다: {err}") from None
    defaults = strat.params
    unknown = sorted((set(raw_params) | set(raw_grid)) - set(defaults))
    if unknown:
        raise SpecError(
            f"{strategy}: unknown parameter(s) {', '.join(unknown)}",
            f"{strategy} 전략에 없는 파라미터입니다: {', '.join(unknown)}",
        )
    params: dict[str, Any] = {}
    grid: dict[str, list[Any]] = {}
    for name, default in defaults.items():
        if name in raw_grid:
            raws = _values(raw_grid[name])
        elif name in raw_params:
            raws = _values(raw_params[name]) if isinstance(default, EDITABLE) else [raw_params[name]]
        else:
            continue
        values = list(dict.fromkeys(_param_value(name, r, default) for r in raws))
        if len(values) > 1 and mode == "single":
            raise SpecError(
                f"parameter {name} takes one value (lists need grid search)",
                f"파라미터 {name}에는 값 하나만 넣으세요 (여러 값은 그리드 탐색에서 사용)",
            )
        if len(values) > 1:
            grid[name] = values
        elif values:
            params[name] = values[0]
    return params, grid


# --- the whole request ----------------------------------------------------------------------


def _universe(raw: Mapping[str, Any], data: str) -> Universe:
    kind = _choice(raw.get("kind"), UNIVERSES, "codes", "universe kind", "종목 범위")
    limit = MAX_CODES[data]
    if kind == "codes":
        given = raw.get("codes") or []
        parts = given if isinstance(given, (list, tuple)) else re.split(r"[\s,]+", str(given))
        codes = list(dict.fromkeys(str(c).strip().upper() for c in parts if str(c).strip()))
        if not codes:
            raise SpecError("give at least one stock code", "종목 코드를 하나 이상 입력하세요")
        bad = [c for c in codes if not is_valid_code(c)]
        if bad:
            raise SpecError(
                f"not a stock code: {', '.join(bad)} (six digits or capital letters)",
                f"종목 코드 형식이 아닙니다: {', '.join(bad)} (6자리)",
            )
        if len(codes) > limit:
            raise SpecError(
                f"at most {limit} stocks with {data} data, got {len(codes)}",
                f"{DATA_KO[data]} 데이터로는 종목을 최대 {limit}개까지 넣을 수 있습니다 (입력 {len(codes)}개)",
            )
        return Universe("codes", codes=tuple(codes))
    if kind == "report":
        return Universe("report", day=_day(raw.get("date"), "report date", "리포트 날짜"))
    top = _integer(raw.get("top") if not _blank(raw.get("top")) else 20, "TOP N", "TOP N")
    _in_range(top, 1, limit, "TOP N", "TOP N")
    if kind == "sector":
        sector = str(raw.get("sector") or "").strip().upper()
        if not sector:
            raise SpecError("choose a sector", "섹터를 선택하세요")
        return Universe("sector", sector=sector, top=top)
    return Universe("ranking", top=top)


def _sizing(raw: Any) -> tuple[str, float | None]:
    spec = raw if isinstance(raw, Mapping) else {"kind": raw}
    kind = _choice(spec.get("kind"), SIZINGS, "all_in", "sizing", "투자 방식")
    if kind == "all_in":
        return kind, None
    if kind == "fixed":
        value = _integer(spec.get("value"), "amount per entry", "1회 매수 금액")
        _in_range(value, 10_000, MAX_CASH, "amount per entry", "1회 매수 금액")
        return kind, float(value)
    value = _number(spec.get("value"), "percent of equity", "자산 대비 비율")
    _in_range(value, 0.1, 100, "percent of equity", "자산 대비 비율")
    return kind, value


def parse_spec(strategy: str, params: Mapping[str, Any] | None, config: Mapping[str, Any]) -> BacktestSpec:
    """Check a request; raises SpecError (English ``str``, Korean ``.ko``) on the first problem."""
    if not strategy:
        raise SpecError("choose a strategy", "전략을 선택하세요")
    mode = _choice(config.get("mode"), MODES, "single", "mode", "실행 방식")
    data = _choice(config.get("data"), DATA_KINDS, "daily", "data", "데이터")
    universe = _universe(config.get("universe") or {}, data)
    start = _day(config.get("start"), "start date", "시작일")
    end = _day(config.get("end"), "end date", "종료일")
    if end < start:
        raise SpecError("the end date is before the start date", "종료일이 시작일보다 빠릅니다")
    raw_grid = config.get("grid") or {}
    fixed, grid = _parse_params(strategy, params or {}, raw_grid if mode != "single" else {}, mode)
    slippage = _integer(
        0 if _blank(config.get("slippage_ticks")) else config.get("slippage_ticks"),
        "slippage ticks",
        "슬리피지 틱",
    )
    _in_range(slippage, 0, 100, "slippage ticks", "슬리피지 틱")
    cash = _integer(
        config.get("cash") if not _blank(config.get("cash")) else 100_000_000, "cash", "초기 자금"
    )
    _in_range(cash, 100_000, MAX_CASH, "cash", "초기 자금")
    sizing_kind, sizing_value = _sizing(config.get("sizing") or "all_in")
    spec = BacktestSpec(
        strategy=strategy,
        params=fixed,
        universe=universe,
        start=start,
        end=end,
        mode=mode,
        data=data,
        commission_pct=_optional_pct(config.get("commission_pct"), "commission", "수수료율"),
        tax_pct=_optional_pct(config.get("tax_pct"), "tax", "세율"),
        slippage_ticks=slippage,
        sizing_kind=sizing_kind,
        sizing_value=sizing_value,
        fill=_choice(config.get("fill"), FILLS, "next_open", "fill", "체결 방식"),
        cash=cash,
        grid=grid,
        metric=_choice(config.get("metric"), METRICS, "sharpe", "metric", "최적화 기준"),
        train_days=_integer(config.get("train_days") or 180, "training days", "학습 기간"),
        test_days=_integer(config.get("test_days") or 60, "test days", "검증 기간"),
    )
    _check_optimisation(spec)
    return spec


def _check_optimisation(spec: BacktestSpec) -> None:
    if spec.mode == "single":
        return
    if not spec.grid:
        raise SpecError(
            "grid search needs a parameter with several values, e.g. fast = 5,10,20",
            "그리드 탐색에는 여러 값을 넣은 파라미터가 필요합니다 (예: fast = 5,10,20)",
        )
    n = len(spec.combinations())
    if n == 0:
        raise SpecError(
            "no parameter combination is left (fast must be below slow)",
            "가능한 파라미터 조합이 없습니다 (fast는 slow보다 작아야 합니다)",
        )
    if n > MAX_COMBOS:
        raise SpecError(
            f"at most {MAX_COMBOS} parameter combinations, got {n}",
            f"파라미터 조합은 최대 {MAX_COMBOS}개입니다 (현재 {n}개)",
        )
    if spec.mode == "walk_forward":
        _in_range(spec.train_days, 20, 3650, "training days", "학습 기간(일)")
        _in_range(spec.test_days, 5, 3650, "test days", "검증 기간(일)")
        if (spec.end - spec.start).days < spec.train_days + spec.test_days:
            raise SpecError(
                "the period is shorter than one training + test window",
                "기간이 학습 + 검증 기간 한 번보다 짧습니다",
            )
