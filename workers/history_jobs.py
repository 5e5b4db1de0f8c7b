"""Daily history: the end-of-day bars job, ``gslts history import`` and ``gslts history backfill``.

* ``eod_bars``: writes the session's daily bar (O/H/L/C/V/거래대금) of every listed stock. Jobs:
  ``eod-bars`` (KIS/Kiwoom, 16:10 KST on KRX days) and ``eod-bars-paper`` (paper, every 5 minutes:
  the demo clock may run at any speed; it writes a closed paper session once). Source
  (``EOD_BARS_SOURCE``): ``auto`` — paper: the paper market's session (``simulated``); KIS/Kiwoom: the broker's daily-chart API for every stock, one call
  each under the adapter's rate limit, resumable (``history_progress`` job ``eod:<broker>:<day>``);
  ``recorder``: the day's recorder minute_bars. Bars are upserted: a rerun writes the same rows.
* ``import_dir``: CSV files (``trading/market/csv_history.py``), each file in one transaction; a bad
  file is reported with its lines and nothing of it is stored.
* ``backfill``: daily bars of every stock from the broker, one stock per transaction together with its
  progress mark (``backfill:<broker>:<from>[:<to>]``), so a restarted run skips what it finished.

Sources stored in ``daily_bars.source``: ``simulated`` (demo history, the paper market), ``kis``,
``kiwoom``, ``csv``. The report and the track record say simulated or real from them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.repositories import history as repo
from trading.brokers.base import Broker
from trading.brokers.errors import BrokerError
from trading.config import Settings
from trading.domain import KST
from trading.krx.calendar import is_krx_session, krx_session_bounds, prev_krx_session
from trading.market.csv_history import CsvFileError, csv_files, parse_file
from trading.timeconv import as_kst
from workers.schedule import JobFailed

log = logging.getLogger(__name__)

_market_reader: Callable[[], Broker] | None = None
PAPER_DONE = "*"  # the progress mark of a paper session written in full


def set_market_reader(reader: Callable[[], Broker] | None) -> None:
    """The process that owns the market (``gslts run``) gives the eod job its in-process reads."""
    global _market_reader
    _market_reader = reader


def market_reader(settings: Settings, engine: Engine) -> tuple[Broker, Any]:
    """(market reads, container to close or None): this process's market, else the deployment's."""
    if _market_reader is not None:
        return _market_reader(), None
    from services.container import Container

    if settings.embedded and settings.broker == "paper":
        from services.embedded import running_owner_url

        if running_owner_url(settings) is None:  # never start a market of our own for this
            raise JobFailed("eod bars: no paper market is running (start `gslts run`)")
    container = Container(settings, "worker" if not settings.embedded else "cli", engine)
    return container.reader(), container


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f["ok"] for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": self.files,
            "rows": sum(f.get("rows", 0) for f in self.files),
            "failed_files": sum(1 for f in self.files if not f["ok"]),
        }


def import_dir(engine: Engine, directory: Path) -> ImportResult:
    """Import every ``*.csv`` of ``directory``: a file is stored completely or, if any line is bad,
    not at all (its problems are listed with line numbers)."""
    result = ImportResult()
    for path in csv_files(directory):
        try:
            bars = parse_file(path)
        except CsvFileError as err:
            result.files.append({"file": path.name, "ok": False, "rows": 0, "errors": str(err).splitlines(),
                                 "bad_lines": err.bad_lines})  # fmt: skip
            continue
        rows = [
            {"code": b.code, "day": b.day, "open": b.open, "high": b.high, "low": b.low, "close": b.close,
             "volume": b.volume, "value": b.value, "source": "csv"}
            for b in bars
        ]  # fmt: skip
        try:
            repo.upsert_daily_bars(engine, rows)
        except Exception as err:  # noqa: BLE001 - a database error fails this file (rolled back), not the run
            result.files.append(
                {"file": path.name, "ok": False, "rows": 0, "errors": [f"{path.name}: {err}"]}
            )
            continue
        days = sorted({b.day for b in bars})
        result.files.append({"file": path.name, "ok": True, "rows": len(rows),
                             "first": days[0].isoformat() if days else None,
                             "last": days[-1].isoformat() if days else None})  # fmt: skip
    return result


# --- backfill -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchPlan:
    """One resumable fetch of daily bars: which stocks, which days, under which progress key."""

    job: str
    source: str  # the daily_bars.source written
    start: date
    end: date
    codes: tuple[str, ...]
    max_failures: int = 20


def backfill_job_key(broker: str, start: date, end: date | None) -> str:
    return f"backfill:{broker}:{start.isoformat()}" + (f":{end.isoformat()}" if end else "")


def last_closed_session(now: datetime) -> date:
    """The latest KRX session whose regular session has closed by ``now``."""
    local = as_kst(now)
    day = local.date()
    if is_krx_session(day) and local >= krx_session_bounds(day)[1]:
        return day
    return prev_krx_session(day)


def run_fetch(
    engine: Engine,
    reader: Broker,
    plan: FetchPlan,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, Any]:
    """Fetch ``plan``'s stocks not yet done; each stock's bars and progress in one transaction.

    A broker error on a stock is recorded (retried by the next run); after ``max_failures`` of them
    the run stops. Returns counts; ``complete`` is True when every stock is done.
    """
    done = repo.done_codes(engine, plan.job)
    todo = [c for c in plan.codes if c not in done]
    fetched = rows = failures = 0
    stopped = ""
    t0 = time.monotonic()
    for code in todo:
        if should_stop is not None and should_stop():
            stopped = "stopped"
            break
        try:
            bars = [
                b
                for b in reader.daily_bars(code, plan.start, plan.end)
                if plan.start <= b.time.date() <= plan.end
            ]
        except BrokerError as err:
            failures += 1
            repo.mark_done(engine, plan.job, code, 0, f"{type(err).__name__}: {err}")
            log.warning("history %s: %s failed: %s", plan.job, code, err)
            if failures >= plan.max_failures:
                stopped = f"stopped after {failures} failures (last: {type(err).__name__}: {err})"
                break
            continue
        repo.store_fetched(engine, plan.job, code, repo.as_rows(bars, plan.source))
        fetched += 1
        rows += len(bars)
        if on_progress is not None and fetched % 50 == 0:
            on_progress({"fetched": fetched, "todo": len(todo)})
    total = repo.progress(engine, plan.job)
    return {
        "job": plan.job,
        "stocks": len(plan.codes),
        "skipped_done": len(done & set(plan.codes)),
        "fetched": fetched,
        "rows": rows,
        "failures": failures,
        "done": total["done"],
        "complete": total["done"] >= len(plan.codes),
        "stopped": stopped or None,
        "seconds": round(time.monotonic() - t0, 1),
    }


def broker_source(settings: Settings) -> str:
    return "simulated" if settings.broker == "paper" else settings.broker


def backfill(
    engine: Engine,
    settings: Settings,
    reader: Broker,
    start: date,
    end: date | None = None,
    codes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``gslts history backfill``: daily bars from ``start`` to ``end`` (default: the last closed
    session) of ``codes`` (default: every listed stock) from the broker, resumably."""
    if settings.broker == "paper":
        raise ValueError("backfill reads from KIS or Kiwoom; the paper market has no real history "
                         "(use `gslts history import DIR`)")  # fmt: skip
    last = end or last_closed_session(datetime.now(KST))
    if start > last:
        raise ValueError(f"--from {start} is after the last closed session {last}")
    plan = FetchPlan(
        backfill_job_key(settings.broker, start, end), settings.broker, start, last,
        tuple(codes or repo.listed_codes(engine)), settings.history_max_failures,
    )  # fmt: skip
    return run_fetch(engine, reader, plan)


# --- end of day -----------------------------------------------------------------------------------


def paper_session_bars(
    engine: Engine, reader: Broker, codes: Sequence[str]
) -> tuple[date | None, dict[str, Any]]:
    """(the paper market's session, status) after writing that session's bars, if it has closed."""
    top = reader.ranking(1)
    if not top or top[0].value <= 0:
        return None, {"status": "skipped: the paper market has not traded this session"}
    last_trade = as_kst(reader.quote(top[0].code).time)
    day = last_trade.date()
    if not is_krx_session(day):
        return None, {"status": f"skipped: the paper market's last trade ({day}) is not in a KRX session"}
    if last_trade < krx_session_bounds(day)[1]:
        return day, {"status": f"skipped: the paper session of {day} has not closed"}
    job = f"eod:paper:{day.isoformat()}"
    if PAPER_DONE in repo.done_codes(engine, job):
        return day, {"status": f"skipped: the bars of {day} are stored"}
    rows: list[dict[str, Any]] = []
    for code in codes:
        try:
            bars = reader.daily_bars(code, day, day)
        except BrokerError:
            continue
        rows += repo.as_rows([b for b in bars if b.time.date() == day], "simulated")
    repo.upsert_daily_bars(engine, rows)
    repo.mark_done(engine, job, PAPER_DONE, len(rows))
    return day, {"status": "ok", "rows": len(rows), "stocks": len(codes), "source": "simulated"}


def write_session_bars(
    engine: Engine, settings: Settings, reader: Broker | None, now: datetime | None = None
) -> dict[str, Any]:
    """The end-of-day work (see the module docstring); ``reader`` is the market or the adapter."""
    now = now or datetime.now(KST)
    codes = repo.listed_codes(engine)
    mode = settings.eod_bars_source
    if mode == "recorder":
        day = last_closed_session(now)
        bars = repo.minute_day_bars(engine, day)
        n = repo.upsert_daily_bars(engine, repo.as_rows(bars, broker_source(settings)))
        return {"status": "ok", "day": day.isoformat(), "rows": n, "stocks": len(codes), "source": "recorder"}
    assert reader is not None
    if settings.broker == "paper":
        day, out = paper_session_bars(engine, reader, codes)
        return {**out, "day": day.isoformat() if day else None}
    day = last_closed_session(now)
    plan = FetchPlan(f"eod:{settings.broker}:{day.isoformat()}", settings.broker, day, day, tuple(codes),
                     settings.history_max_failures)  # fmt: skip
    out = run_fetch(engine, reader, plan)
    return {"status": "ok" if out["complete"] else "incomplete", "day": day.isoformat(), **out}


def eod_bars(engine: Engine, settings: Settings) -> str:
    """The ``eod-bars`` job: a status line; ``JobFailed`` when the market or broker cannot be read."""
    now = datetime.now(KST)
    if settings.broker != "paper" and not is_krx_session(now.date()):
        return f"skipped: {now.date()} is not a KRX session"
    container = None
    try:
        reader = None
        if settings.eod_bars_source != "recorder":
            reader, container = market_reader(settings, engine)
        out = write_session_bars(engine, settings, reader, now)
    except BrokerError as err:
        raise JobFailed(f"eod bars: {type(err).__name__}: {err}") from err
    finally:
        if container is not None:
            container.close()
    if out["status"] != "ok":
        return f"{out['status']} ({out.get('day')}: {out.get('done', 0)}/{out.get('stocks', 0)} stocks)"
    return f"ok: {out.get('rows', 0)} daily bars of {out.get('day')} ({out.get('source', settings.broker)})"
