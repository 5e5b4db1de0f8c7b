"""Morning report jobs, called by Celery beat and the embedded scheduler as ``f(engine, settings)``.

* ``refresh_us_data``   07:00 KST on KRX days: incremental yfinance fetch into us_sector_bars.
* ``make_morning_report`` 08:00 KST on KRX days: build and store today's report.
* ``recompute_track_record`` nightly on KRX days: re-run the engine on stored history; stores it in
  ``track_records`` (every host reads the same one; it says which data it used: simulated or real).

Each returns a short status line; each checks ``is_krx_session`` itself. ``build_and_store`` and
``track_record_now`` are the shared helpers the CLI uses.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from db.repositories import history as history_repo
from db.repositories import reports as repo
from trading.config import Settings
from trading.domain import KST
from trading.krx.calendar import is_krx_session, krx_sessions, prev_krx_session
from trading.market.us_data import FallbackFn, HistoryFn, UsBar, UsDataError, fetch_us_bars, yahoo_history
from trading.report import ReportConfig, TrackInput, build_report, compute_track_record
from trading.report.config import US_SYMBOLS

TRACK_SESSIONS = 250  # about one year of KRX sessions


def demo_mode(engine: Engine, settings: Settings) -> bool:
    """Paper broker and simulated US bars stored: the simulated series are used, never Yahoo."""
    return settings.broker == "paper" and repo.latest_us_source(engine) == "simulated"


def _today() -> date:
    return datetime.now(KST).date()


def build_and_store(
    engine: Engine, settings: Settings, day: date, cfg: ReportConfig | None = None
) -> dict[str, Any]:
    """Build the report for KRX session ``day`` from stored data and store it (replacing that day's)."""
    report = build_report(repo.report_input(engine, day), cfg).to_dict()
    report["track_record"] = history_repo.load_track_record(engine)
    repo.save_report(engine, report)
    return report


def track_record_now(
    engine: Engine, settings: Settings, end: date, sessions: int = TRACK_SESSIONS
) -> dict[str, Any]:
    """Compute the track record over the last ``sessions`` KRX sessions up to ``end`` and save it."""
    first, last = repo.kr_bar_days(engine)
    if first is None or last is None:
        raise ValueError("no Korean daily bars stored: nothing to measure")
    end = min(end, last)
    days = [d for d in krx_sessions(max(first, end - timedelta(days=sessions * 2)), end) if d > first]
    days = days[-sessions:]
    if not days:
        raise ValueError("not enough Korean daily bars stored to measure a track record")
    start = prev_krx_session(days[0])
    inp = TrackInput(
        sessions=days,
        kr_bars=repo.kr_bars(engine, start, end),
        us=repo.us_series(engine, start - timedelta(days=20), end),
        mapping=repo.map_rows(engine),
        stocks=repo.stock_refs(engine),
        kr_sources=repo.kr_sources(engine, start, end),
    )
    record = compute_track_record(inp)
    record["computed_at"] = datetime.now(KST).isoformat(timespec="seconds")
    history_repo.save_track_record(engine, record)  # also invalidates the report page's cache
    return record


def kis_fallback(settings: Settings, adapter: Any = None) -> FallbackFn | None:
    """The KIS overseas daily-price fallback (``US_DATA_FALLBACK=kis``), or None without KIS keys.

    ``adapter``: a KIS adapter to use (else one is made from the settings on first use)."""
    if settings.us_data_fallback != "kis":
        return None
    if adapter is None and (settings.kis_app_key is None or settings.kis_app_secret is None):
        return None
    from trading.brokers.kis import overseas

    exchanges = overseas.parse_exchanges(settings.us_kis_exchanges)
    state: dict[str, Any] = {} if adapter is None else {"broker": adapter}

    def fetch(symbol: str, start: date, end: date) -> list[UsBar]:
        if symbol.startswith("^"):
            raise UsDataError(f"{symbol} is an index: KIS overseas daily prices have no fallback for it")
        if "broker" not in state:
            from trading.brokers.kis import KisBroker

            kis = settings if settings.broker == "kis" else settings.model_copy(update={"broker": "kis"})
            state["broker"] = KisBroker.from_settings(kis)
        excd = exchanges.get(symbol, settings.us_kis_default_exchange)
        rows = overseas.daily_rows(state["broker"].rest, symbol, excd, start, end - timedelta(days=1))
        return [UsBar(symbol, *overseas.row_ohlcv(r), source="kis") for r in rows]

    return fetch


def refresh_us_data(
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    history: HistoryFn = yahoo_history,
    fallback: FallbackFn | None | str = "settings",
) -> str:
    """Fetch new US sector bars: Yahoo first, then the configured fallback (skipped in demo mode).

    ``UsDataError`` when neither answers for any symbol. Missing symbols stay missing (the report
    names them); outside demo mode nothing is ever simulated.
    """
    now = now or datetime.now(KST)
    if not is_krx_session(now.astimezone(KST).date()):
        return f"skipped: {now.astimezone(KST).date()} is not a KRX session"
    if demo_mode(engine, settings):
        return "skipped: demo mode uses the simulated US series"
    return fetch_and_store_us(engine, settings, now, history, fallback)


def fetch_and_store_us(
    engine: Engine,
    settings: Settings,
    now: datetime,
    history: HistoryFn = yahoo_history,
    fallback: FallbackFn | None | str = "settings",
) -> str:
    """The fetch of ``refresh_us_data`` without its calendar and demo checks (``gslts us-data refresh``)."""
    fb = kis_fallback(settings) if fallback == "settings" else fallback
    last = repo.last_us_days(engine)
    try:
        bars, errors = fetch_us_bars(US_SYMBOLS, last, now, history, fb)  # type: ignore[arg-type]
    except UsDataError as err:
        newest = max(last.values(), default=None)
        stored = f"the report will use the last stored US data ({newest})" if newest else "no US data stored"
        raise UsDataError(f"{err}; {stored}") from None
    written = repo.upsert_us_bars(engine, bars)
    newest = max((b.day for b in bars), default=None)
    sources = sorted({b.source for b in bars})
    status = f"ok: {written} US bars stored (latest session {newest}; from {', '.join(sources) or '-'})"
    if errors:
        status += f"; missing: {', '.join(sorted(errors))}"
    return status


def make_morning_report(engine: Engine, settings: Settings, today: date | None = None) -> str:
    """Build and store today's report (KRX sessions only)."""
    day = today or _today()
    if not is_krx_session(day):
        return f"skipped: {day} is not a KRX session"
    t0 = time.perf_counter()
    report = build_and_store(engine, settings, day)
    stale = " (stale US data)" if report["stale_note"] else ""
    sim = " [simulated]" if report["simulated"] else ""
    return (
        f"ok: report {day} with {len(report['picks'])} picks from US {report['us_session_date']}"
        f"{stale}{sim} in {time.perf_counter() - t0:.1f}s"
    )


def recompute_track_record(engine: Engine, settings: Settings, today: date | None = None) -> str:
    """Nightly: recompute and save the track record (KRX sessions only)."""
    day = today or _today()
    if not is_krx_session(day):
        return f"skipped: {day} is not a KRX session"
    t0 = time.perf_counter()
    try:
        rec = track_record_now(engine, settings, day)
    except ValueError as err:
        return f"skipped: {err}"
    return f"ok: track record over {rec['sessions']} sessions ({rec['start']}..{rec['end']}) in {time.perf_counter() - t0:.1f}s"


def ensure_demo_report(engine: Engine, settings: Settings, day: date) -> str:
    """Demo mode start-up: the report for the demo market's session ``day`` exists (with a track record).

    The simulated market trades on the next KRX session when started on a weekend or holiday, when the
    08:00 job does not run; without this a first start would show an empty report page.
    """
    if not demo_mode(engine, settings):
        return "skipped: not demo mode"
    if repo.get_report(engine, day) is not None:
        return f"skipped: report {day} exists"
    _extend_simulated_us(engine, settings, day)
    if history_repo.load_track_record(engine) is None:
        try:
            track_record_now(engine, settings, prev_krx_session(day))
        except ValueError as err:
            return f"skipped: {err}"
    report = build_and_store(engine, settings, day)
    return f"ok: demo report {day} with {len(report['picks'])} picks"


def _extend_simulated_us(engine: Engine, settings: Settings, day: date) -> int:
    """Store the simulated US sessions up to the last one before ``day``'s open (what the demo market uses)."""
    from db.repositories.bars import insert_us_bars, us_day_range
    from trading.krx import krx_session_bounds, last_us_session_before
    from trading.market.history import us_bars_between

    first, last = us_day_range(engine)
    target = last_us_session_before(krx_session_bounds(day)[0])
    if first is None or last is None or last >= target:
        return 0
    bars = us_bars_between(first, target, settings.market_seed)
    return insert_us_bars(engine, bars[bars["day"] > last])
