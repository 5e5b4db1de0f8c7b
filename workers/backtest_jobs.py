"""Backtest runs as jobs: ``run_backtest_job(engine, settings, run_id)`` runs one stored run.

The run's row (db/repositories/backtests.py) is the whole interface: the job claims it, writes
its progress at most every ``PROGRESS_EVERY`` seconds, stops when the row asks it to
(``cancelling``) and stores the statistics and a compact result (curves thinned to ``MAX_POINTS``,
at most ``MAX_TRADES`` trades) or the error. A bad request ends as ``failed`` with an English
message; nothing raises out of the job. Celery (full mode) and the in-process executor
(embedded mode, ``workers.backtest_runner``) call it the same way.

``check_request`` is what the page calls before creating a run: the same checks, plus the ones
that need the database (unknown codes, a missing report), with Korean messages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.repositories import backtests as runs
from db.repositories import bars as bar_repo
from db.repositories import reports as report_repo
from db.repositories import stocks as stock_repo
from db.repositories import ticks as tick_repo
from db.repositories.backtests import RunRow
from trading.backtest import BacktestCancelled, grid_search, run_backtest, walk_forward
from trading.backtest.data import ticks_to_bars
from trading.backtest.optimize import best_params
from trading.backtest.settings import BacktestSettings
from trading.backtest.spec import BacktestSpec, SpecError, fast_below_slow, parse_spec
from trading.backtest.stats import (
    benchmark_equity,
    curve_points,
    drawdown_series,
    json_scalar,
    json_value,
    monthly_returns,
)
from trading.config import Settings
from trading.domain import KST, Bar
from trading.sectors import SECTOR_BY_CODE
from trading.strategies.registry import get_strategy
from trading.timeconv import now_naive_kst

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes / cancel checks
DEFAULT_HEARTBEAT_S, DEFAULT_STALE_S = 10.0, 60.0  # without settings (the CLI, tests)
BUSY = "busy"  # the status prefix of a run alive in another worker
MAX_POINTS = 2000  # points per stored curve
MAX_TRADES = 2000  # trades kept in the stored result (the statistics count all of them)


@dataclass
class Inputs:
    """What a run trades: bars per code and the per-code facts the engine needs."""

    codes: list[str]
    names: dict[str, str]
    markets: dict[str, str]
    etfs: set[str]
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


# --- the universe ---------------------------------------------------------------------------


def _ranked(engine: Engine, codes: list[str], day: date) -> list[str]:
    """``codes`` by the last stored session's 거래대금 before ``day``, largest first."""
    values = bar_repo.latest_daily_values(engine, day)
    return sorted(codes, key=lambda c: (-values.get(c, -1), c))


def resolve_universe(engine: Engine, spec: BacktestSpec) -> Inputs:
    """The stocks of ``spec.universe`` (checked against the stock master); SpecError if none."""
    master = {s.code: s for s in stock_repo.all_stocks(engine)}
    u = spec.universe
    if u.kind == "codes":
        unknown = [c for c in u.codes if c not in master]
        if unknown:
            raise SpecError(
                f"unknown stock code(s): {', '.join(unknown)}", f"없는 종목 코드입니다: {', '.join(unknown)}"
            )
        codes = list(u.codes)
    elif u.kind == "sector":
        if u.sector not in SECTOR_BY_CODE:
            raise SpecError(f"unknown sector {u.sector!r}", f"알 수 없는 섹터입니다: {u.sector}")
        members = [c for c, s in master.items() if s.sector_code == u.sector and not s.is_etf]
        codes = _ranked(engine, members, spec.start)[: u.top]
    elif u.kind == "report":
        assert u.day is not None
        codes = [code for _rank, code, _sector in report_repo.report_picks(engine, u.day) if code in master]
        if not codes:
            raise SpecError(
                f"no morning report with picks stored for {u.day}",
                f"{u.day} 아침 리포트(추천 종목)가 저장되어 있지 않습니다",
            )
    else:
        values = bar_repo.latest_daily_values(engine, spec.start)
        if not values:
            raise SpecError(
                f"no daily bars before {spec.start} to rank stocks by trading value",
                f"{spec.start} 이전 일봉이 없어 거래대금 순위를 만들 수 없습니다",
            )
        listed = [c for c in values if c in master and not master[c].is_etf]
        codes = sorted(listed, key=lambda c: (-values[c], c))[: u.top]
    if not codes:
        raise SpecError("the universe has no stocks", "선택한 범위에 종목이 없습니다")
    return Inputs(
        codes=codes,
        names={c: master[c].name_ko for c in codes},
        markets={c: master[c].market for c in codes},
        etfs={c for c in codes if master[c].is_etf},
    )


def check_request(
    engine: Engine, strategy: str, params: dict[str, Any], config: dict[str, Any]
) -> tuple[BacktestSpec, Inputs]:
    """Parse and check a request as a run would; SpecError (with ``.ko``) on the first problem."""
    spec = parse_spec(strategy, params, config)
    return spec, resolve_universe(engine, spec)


# --- data -----------------------------------------------------------------------------------


def _frame(bars: list[Bar], daily: bool) -> pd.DataFrame:
    index = (
        pd.DatetimeIndex([pd.Timestamp(b.time.date()) for b in bars])
        if daily
        else pd.DatetimeIndex([b.time for b in bars])
    )
    return pd.DataFrame(
        {"Open": [b.open for b in bars], "High": [b.high for b in bars], "Low": [b.low for b in bars],
         "Close": [b.close for b in bars], "Volume": [b.volume for b in bars]},
        index=index,
    )  # fmt: skip


def _bars_of(engine: Engine, spec: BacktestSpec, code: str) -> pd.DataFrame:
    if spec.data == "daily":
        return _frame(bar_repo.daily_bars(engine, code, spec.start, spec.end), daily=True)
    t0 = datetime.combine(spec.start, datetime.min.time(), KST)
    t1 = datetime.combine(spec.end + timedelta(days=1), datetime.min.time(), KST)
    if spec.data == "minute":
        return _frame(bar_repo.minute_bars(engine, code, t0, t1), daily=False)
    ticks = tick_repo.ticks_between(engine, code, t0, t1)
    frame = pd.DataFrame(
        {"price": [t.price for t in ticks], "volume": [t.volume for t in ticks]},
        index=pd.DatetimeIndex([t.time for t in ticks]),
    )
    return ticks_to_bars(frame)


DATA_NAMES = {"daily": "daily bars", "minute": "minute bars", "ticks": "recorded ticks"}
DATA_KO = {"daily": "일봉", "minute": "분봉", "ticks": "기록된 틱"}


def load_data(engine: Engine, spec: BacktestSpec, inputs: Inputs) -> Inputs:
    """Fill ``inputs.data``. Explicit codes must all have data; other universes skip the ones
    without (``inputs.skipped``) and fail only when none has any."""
    for code in inputs.codes:
        frame = _bars_of(engine, spec, code)
        if len(frame):
            inputs.data[code] = frame
        elif spec.universe.kind == "codes":
            raise SpecError(
                f"no {DATA_NAMES[spec.data]} for {code} between {spec.start} and {spec.end}",
                f"{code}의 {DATA_KO[spec.data]} 데이터가 {spec.start} ~ {spec.end} 기간에 없습니다",
            )
        else:
            inputs.skipped.append(code)
    if not inputs.data:
        raise SpecError(
            f"no {DATA_NAMES[spec.data]} for any stock between {spec.start} and {spec.end}",
            f"{spec.start} ~ {spec.end} 기간에 {DATA_KO[spec.data]} 데이터가 있는 종목이 없습니다",
        )
    inputs.codes = [c for c in inputs.codes if c in inputs.data]
    return inputs


def report_picks_by_day(engine: Engine, start: date, end: date, codes: list[str]) -> dict[str, list[str]]:
    """Stored morning-report picks per session date in [start, end], limited to ``codes``
    (the ``picks`` parameter of sector_follow)."""
    wanted = set(codes)
    out: dict[str, list[str]] = {}
    for day in report_repo.report_dates(engine):
        if start <= day <= end:
            picked = [c for _r, c, _s in report_repo.report_picks(engine, day) if c in wanted]
            if picked:
                out[day.isoformat()] = picked
    return out


# --- running --------------------------------------------------------------------------------


class Monitor:
    """Progress and cancel hooks for the engine, backed by the run's row, throttled."""

    def __init__(self, engine: Engine, run_id: int, every: float = PROGRESS_EVERY) -> None:
        self.engine, self.run_id, self.every = engine, run_id, every
        self.value = 0.0
        self.stop = False
        self._last = time.monotonic()

    def _sync(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.stop = not runs.set_progress(self.engine, self.run_id, self.value)

    def progress(self, fraction: float) -> None:
        self.value = fraction
        self._sync()

    def should_cancel(self) -> bool:
        self._sync()
        return self.stop


class Heartbeat:
    """Stamps the run's heartbeat every ``every`` seconds from a daemon thread while the job computes
    (loading data and compiling the kernel make no progress calls), so a run whose worker died is
    told from a slow one."""

    def __init__(self, engine: Engine, run_id: int, every: float) -> None:
        self.engine, self.run_id, self.every = engine, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"backtest-heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                runs.heartbeat(self.engine, self.run_id)
            except Exception as err:  # noqa: BLE001 - the database may be away; the next beat retries
                log.warning("backtest run %s: heartbeat not stored: %s", self.run_id, err)


def stale_before(settings: Settings | None) -> datetime:
    """Runs with no heartbeat since this moment have lost their worker."""
    stale_s = settings.backtest_stale_s if settings is not None else DEFAULT_STALE_S
    return now_naive_kst() - timedelta(seconds=stale_s)


def end_stale_runs(engine: Engine, settings: Settings) -> str:
    """The backtest-reaper job: end the runs whose worker died (failed with the reason, or cancelled)."""
    ended = runs.end_stale(engine, stale_before(settings))
    if ended:
        log.warning("backtest runs %s lost their worker: ended", ended)
    return f"ended {len(ended)} stale backtest run(s)"


def _scaled(fn: Callable[[float], None], lo: float, hi: float) -> Callable[[float], None]:
    return lambda x: fn(lo + (hi - lo) * x)


def _settings(spec: BacktestSpec, inputs: Inputs) -> BacktestSettings:
    """The engine settings of a run."""
    return BacktestSettings(
        markets=inputs.markets,
        etfs=inputs.etfs,
        fill=spec.fill,
        commission=spec.commission,
        tax=spec.tax,
        slippage_ticks=spec.slippage_ticks,
        sizing=spec.sizing,
        cash=spec.cash,
    )


def _compact(out: dict[str, Any]) -> dict[str, Any]:
    trades = out["trades"]
    if len(trades) > MAX_TRADES:
        out["trades"] = trades[:MAX_TRADES]
        out["trades_total"] = len(trades)
    return out


def _single(
    spec: BacktestSpec,
    inputs: Inputs,
    params: dict[str, Any],
    monitor: Monitor,
    lo: float = 0.0,
    hi: float = 1.0,
) -> dict[str, Any]:
    res = run_backtest(
        inputs.data,
        spec.strategy,
        params,
        progress=_scaled(monitor.progress, lo, hi),
        should_cancel=monitor.should_cancel,
        settings=_settings(spec, inputs),
    )
    return _compact(res.to_dict(max_points=MAX_POINTS))


def _grid(spec: BacktestSpec, inputs: Inputs, params: dict[str, Any], monitor: Monitor) -> dict[str, Any]:
    table = grid_search(
        inputs.data,
        spec.strategy,
        spec.grid,
        metric=spec.metric,
        constraint=lambda c: fast_below_slow({**params, **c}),
        base_params=params,
        progress=_scaled(monitor.progress, 0.0, 0.9),
        should_cancel=monitor.should_cancel,
        settings=_settings(spec, inputs),
    )
    best = best_params(table, list(spec.grid))
    out = _single(spec, inputs, {**params, **best}, monitor, 0.9, 1.0)
    rows = [{k: json_scalar(v) for k, v in row.items()} for row in table.to_dict("records")]
    out["grid"] = {"params": list(spec.grid), "metric": spec.metric, "rows": rows, "best": json_value(best)}
    return out


def _walk_forward(
    spec: BacktestSpec, inputs: Inputs, params: dict[str, Any], monitor: Monitor
) -> dict[str, Any]:
    wf = walk_forward(
        inputs.data,
        spec.strategy,
        spec.grid,
        train=f"{spec.train_days}D",
        test=f"{spec.test_days}D",
        metric=spec.metric,
        constraint=lambda c: fast_below_slow({**params, **c}),
        base_params=params,
        progress=monitor.progress,
        should_cancel=monitor.should_cancel,
        settings=_settings(spec, inputs),
    )
    d = wf.to_dict(max_points=MAX_POINTS)
    equity = wf.oos_equity.astype(float)
    oos = dict(d["summary"].pop("oos", {}) or {})
    trades = sum(int(w.get("oos_trades") or 0) for w in d["windows"])
    stats = {**oos, **{k: v for k, v in d["summary"].items() if k != "metric"}, "trades": trades}
    bench: dict[str, Any] = {"name": "equal-weight buy & hold", "equity": []}
    if len(equity):
        closes = {c: f["Close"] for c, f in inputs.data.items()}
        b = benchmark_equity(closes, pd.DatetimeIndex(equity.index), float(spec.cash))
        if len(b):
            bench["total_return_pct"] = json_scalar((float(b.iloc[-1]) / spec.cash - 1.0) * 100.0)
            bench["equity"] = _points(b)
    return {
        "stats": {k: json_scalar(v) for k, v in stats.items()},
        "trades": [],
        "equity": d.pop("oos_equity"),
        "drawdown": _points(drawdown_series(equity, float(spec.cash))) if len(equity) else [],
        "monthly": monthly_returns(equity, float(spec.cash)),
        "benchmark": bench,
        "walk_forward": d,
    }


def _points(series: pd.Series) -> list[list[Any]]:
    return curve_points(series, MAX_POINTS)


def execute(
    spec: BacktestSpec, inputs: Inputs, monitor: Monitor, engine: Engine | None = None
) -> dict[str, Any]:
    """Run ``spec`` on loaded ``inputs``; the stored result dict (with ``stats``)."""
    params = dict(spec.params)
    if "picks" in get_strategy(spec.strategy).params and not params.get("picks") and engine is not None:
        params["picks"] = report_picks_by_day(engine, spec.start, spec.end, inputs.codes)
    if spec.mode == "grid":
        out = _grid(spec, inputs, params, monitor)
    elif spec.mode == "walk_forward":
        out = _walk_forward(spec, inputs, params, monitor)
    else:
        out = _single(spec, inputs, params, monitor)
    out["stats"]["benchmark_return_pct"] = out.get("benchmark", {}).get("total_return_pct")
    out["run"] = {
        "mode": spec.mode,
        "data": spec.data,
        "start": spec.start.isoformat(),
        "end": spec.end.isoformat(),
        "cash": spec.cash,
        "codes": inputs.codes,
        "names": inputs.names,
        "skipped": inputs.skipped,
    }
    return out


def run_backtest_job(engine: Engine, settings: Settings | None, run_id: int) -> str:
    """Run the stored run ``run_id`` to its end; returns a one-line status (never raises on a bad run)."""
    run = runs.claim_run(engine, run_id, stale_before(settings))
    if run is None:
        now = runs.get_run(engine, run_id, with_result=False)
        if now is not None and now.active:
            return f"{BUSY}: run {run_id} is {now.status} in another worker"
        return f"skipped: run {run_id} is {now.status if now else 'gone'}"
    every = settings.backtest_heartbeat_s if settings is not None else DEFAULT_HEARTBEAT_S
    with Heartbeat(engine, run_id, every):
        return _compute(engine, run_id, run)


def _compute(engine: Engine, run_id: int, run: RunRow) -> str:
    t0 = time.perf_counter()
    monitor = Monitor(engine, run_id)
    try:
        spec = parse_spec(run.strategy, run.params, run.config)
        inputs = load_data(engine, spec, resolve_universe(engine, spec))
        out = execute(spec, inputs, monitor, engine)
    except BacktestCancelled:
        runs.mark_cancelled(engine, run_id)
        return f"cancelled: run {run_id}"
    except SpecError as err:
        runs.fail_run(engine, run_id, str(err), {"error_ko": err.ko})
        return f"failed: {err}"
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        message = str(err).strip("'\"") or type(err).__name__
        runs.fail_run(engine, run_id, message)
        return f"failed: {message}"
    except Exception as err:  # noqa: BLE001 - a strategy file may raise anything; the run fails, not the worker
        log.exception("backtest run %s failed", run_id)
        runs.fail_run(engine, run_id, f"{type(err).__name__}: {err}")
        return f"failed: {type(err).__name__}: {err}"
    if not runs.finish_run(engine, run_id, out["stats"], out):
        return f"dropped: run {run_id} was removed or ended elsewhere"
    n = out["stats"].get("trades")
    return f"ok: run {run_id} done with {n} trades in {time.perf_counter() - t0:.1f}s"
