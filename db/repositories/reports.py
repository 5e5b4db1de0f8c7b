"""Morning sector report data: US sector bars, report inputs, the editable mapping, stored reports."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, func, select

from db.cache import Topic, invalidate, memoized
from db.engine import session_scope
from db.models import DailyBar, Sector, SectorReport, SectorReportPick, Stock, UsSectorBar, UsSectorMap
from db.repositories.users import audit
from trading.krx.calendar import krx_session_bounds, last_us_session_before, prev_krx_session
from trading.market.us_data import UsBar
from trading.report.calendar import check_report_date
from trading.report.config import US_SYMBOLS
from trading.report.model import MapRow, ReportInput, StockRef, UsClose
from trading.sectors import US_ETF_NAMES

MAX_WEIGHT = 5.0


def _dec(x: float) -> Decimal:
    return Decimal(f"{x:.6f}")


# --- US sector bars -------------------------------------------------------------------------


def upsert_us_bars(engine: Engine, rows: Iterable[UsBar]) -> int:
    """Insert or replace bars by (symbol, day); returns how many rows were written."""
    rows = list(rows)
    if not rows:
        return 0
    with session_scope(engine) as s:
        lo, hi = min(r.day for r in rows), max(r.day for r in rows)
        symbols = {r.symbol for r in rows}
        existing = {
            (b.symbol, b.day): b
            for b in s.scalars(
                select(UsSectorBar).where(
                    UsSectorBar.symbol.in_(symbols), UsSectorBar.day >= lo, UsSectorBar.day <= hi
                )
            )
        }
        for r in rows:
            values = {
                "open": _dec(r.open),
                "high": _dec(r.high),
                "low": _dec(r.low),
                "close": _dec(r.close),
                "volume": int(r.volume),
                "source": r.source,
            }
            bar = existing.get((r.symbol, r.day))
            if bar is None:
                s.add(UsSectorBar(symbol=r.symbol, day=r.day, **values))
            else:
                for k, v in values.items():
                    setattr(bar, k, v)
    return len(rows)


def last_us_days(engine: Engine) -> dict[str, date]:
    """The last stored session per US symbol."""
    with session_scope(engine) as s:
        q = select(UsSectorBar.symbol, func.max(UsSectorBar.day)).group_by(UsSectorBar.symbol)
        return {sym: day for sym, day in s.execute(q)}


def latest_us_source(engine: Engine) -> str | None:
    """The source of the most recent stored US bar (``simulated`` means demo data), or None."""
    with session_scope(engine) as s:
        q = select(UsSectorBar.source).order_by(UsSectorBar.day.desc(), UsSectorBar.symbol).limit(1)
        return s.scalar(q)


def us_series(engine: Engine, start: date, end: date) -> dict[str, dict[date, UsClose]]:
    """Closes of every stored US symbol from ``start`` to ``end`` (inclusive)."""
    out: dict[str, dict[date, UsClose]] = {}
    with session_scope(engine) as s:
        q = select(UsSectorBar.symbol, UsSectorBar.day, UsSectorBar.close, UsSectorBar.source).where(
            UsSectorBar.day >= start, UsSectorBar.day <= end
        )
        for sym, day, close, source in s.execute(q):
            out.setdefault(sym, {})[day] = UsClose(float(close), source)
    return out


# --- Korean inputs --------------------------------------------------------------------------


def stock_refs(engine: Engine) -> dict[str, StockRef]:
    """Every listed (non-ETF) stock as plain data for the engine."""
    with session_scope(engine) as s:
        q = select(Stock.code, Stock.name_ko, Stock.name_en, Stock.sector_code).where(Stock.is_etf.is_(False))
        return {c: StockRef(c, ko, en or ko, sec) for c, ko, en, sec in s.execute(q)}


def day_values(engine: Engine, day: date) -> dict[str, int]:
    """거래대금 (won) by stock code on ``day``."""
    with session_scope(engine) as s:
        q = select(DailyBar.code, DailyBar.value).where(DailyBar.day == day)
        return {c: int(v) for c, v in s.execute(q)}


def kr_sources(engine: Engine, start: date, end: date) -> frozenset[str]:
    """The sources of the daily bars from ``start`` to ``end`` (simulated, kis, kiwoom, csv, …)."""
    with session_scope(engine) as s:
        q = select(DailyBar.source).where(DailyBar.day >= start, DailyBar.day <= end).distinct()
        return frozenset(s.execute(q).scalars())


def kr_bars(engine: Engine, start: date, end: date) -> dict[date, dict[str, tuple[int, int, int]]]:
    """(open, close, 거래대금) by day and code from ``start`` to ``end`` (inclusive)."""
    out: dict[date, dict[str, tuple[int, int, int]]] = {}
    with session_scope(engine) as s:
        q = select(DailyBar.day, DailyBar.code, DailyBar.open, DailyBar.close, DailyBar.value).where(
            DailyBar.day >= start, DailyBar.day <= end
        )
        for day, code, o, c, v in s.execute(q):
            out.setdefault(day, {})[code] = (int(o), int(c), int(v))
    return out


def kr_bar_days(engine: Engine) -> tuple[date | None, date | None]:
    """(first, last) day with Korean daily bars."""
    with session_scope(engine) as s:
        first, last = s.execute(select(func.min(DailyBar.day), func.max(DailyBar.day))).one()
        return first, last


def report_input(engine: Engine, day: date) -> ReportInput:
    """Everything the engine needs for KRX session ``day``, read from the database.

    US closes cover the stored sessions up to the signal session (from 20 days before the last
    stored one, so a missing day falls back to the last stored data).
    """
    check_report_date(day)
    us_day = last_us_session_before(krx_session_bounds(day)[0])
    last = max((d for d in last_us_days(engine).values() if d <= us_day), default=us_day)
    return ReportInput(
        session_date=day,
        us=us_series(engine, last - timedelta(days=20), us_day),
        mapping=map_rows(engine),
        stocks=stock_refs(engine),
        values=day_values(engine, prev_krx_session(day)),
        kr_sources=kr_sources(engine, prev_krx_session(day), prev_krx_session(day)),
    )


# --- the editable mapping -------------------------------------------------------------------


class MappingError(ValueError):
    """A mapping change was refused (one-line English message); nothing was changed."""


@memoized(Topic.SECTOR_MAP)
def map_rows(engine: Engine) -> list[MapRow]:
    with session_scope(engine) as s:
        q = select(UsSectorMap).order_by(UsSectorMap.etf, UsSectorMap.sector_code)
        return [MapRow(m.etf, m.sector_code, float(m.weight), bool(m.enabled)) for m in s.scalars(q)]


def _row_dict(m: UsSectorMap) -> dict[str, Any]:
    return {"etf": m.etf, "sector_code": m.sector_code, "weight": float(m.weight), "enabled": bool(m.enabled)}


def _check(etf: str, sector: str, weight: float | None, sectors: set[str]) -> None:
    if etf not in US_SYMBOLS:
        raise MappingError(f"unknown US symbol {etf!r}; known: {', '.join(US_SYMBOLS)}")
    if sector not in sectors:
        raise MappingError(f"unknown sector {sector!r}; known: {', '.join(sorted(sectors))}")
    if weight is not None and not (math.isfinite(weight) and 0 < weight <= MAX_WEIGHT):
        raise MappingError(f"weight must be greater than 0 and at most {MAX_WEIGHT:g}")


def set_mapping(
    engine: Engine,
    etf: str,
    sector: str,
    *,
    weight: float | None = None,
    enabled: bool | None = None,
    user: str,
) -> dict[str, Any]:
    """Add or change the ETF→sector row (weight default 1.0, enabled default true); audited."""
    etf, sector = etf.strip().upper(), sector.strip().upper()
    with session_scope(engine) as s:
        _check(etf, sector, weight, set(s.scalars(select(Sector.code))))
        row = s.scalar(select(UsSectorMap).where(UsSectorMap.etf == etf, UsSectorMap.sector_code == sector))
        before = _row_dict(row) if row else None
        if row is None:
            row = UsSectorMap(
                etf=etf, etf_name=US_ETF_NAMES.get(etf, etf), sector_code=sector, weight=1.0, enabled=True
            )
            s.add(row)
        if weight is not None:
            row.weight = float(weight)
        if enabled is not None:
            row.enabled = enabled
        row.updated_at, row.updated_by = datetime.now(), user[:40]
        after = _row_dict(row)
    invalidate(engine, Topic.SECTOR_MAP)
    audit(engine, user, "sector_map.set", {"before": before, "after": after})
    return after


def remove_mapping(engine: Engine, etf: str, sector: str, *, user: str) -> dict[str, Any]:
    """Delete the ETF→sector row; audited. ``MappingError`` if there is no such row."""
    etf, sector = etf.strip().upper(), sector.strip().upper()
    with session_scope(engine) as s:
        row = s.scalar(select(UsSectorMap).where(UsSectorMap.etf == etf, UsSectorMap.sector_code == sector))
        if row is None:
            raise MappingError(f"no mapping {etf} → {sector}")
        before = _row_dict(row)
        s.delete(row)
    invalidate(engine, Topic.SECTOR_MAP)
    audit(engine, user, "sector_map.remove", {"before": before})
    return before


# --- stored reports -------------------------------------------------------------------------


def save_report(engine: Engine, report: dict[str, Any]) -> int:
    """Store a report dict and its picks, replacing any earlier report for that session date."""
    day = date.fromisoformat(report["session_date"])
    us_day = date.fromisoformat(report["us_session_date"]) if report.get("us_session_date") else None
    with session_scope(engine) as s:
        old = s.scalar(select(SectorReport.id).where(SectorReport.session_date == day))
        if old is not None:
            s.execute(delete(SectorReportPick).where(SectorReportPick.report_id == old))
            s.execute(delete(SectorReport).where(SectorReport.id == old))
            s.flush()
        row = SectorReport(
            session_date=day,
            us_session_date=us_day,
            created_at=datetime.now(),
            data_source=report["data_source"],
            payload=report,
        )
        s.add(row)
        s.flush()
        report_id = row.id
        for rank, p in enumerate(report["picks"], start=1):
            s.add(
                SectorReportPick(
                    report_id=row.id,
                    rank=rank,
                    stock_code=p["code"],
                    sector_code=p["sector_code"],
                    score=float(p["score"]),
                    value_rank=int(p["value_rank"]),
                    reasons=p["reasons"],
                )
            )
        _report_event(s.connection(), report, report_id)  # the alerts outbox, in the same transaction
    invalidate(engine, Topic.REPORTS)
    return report_id


def get_report(engine: Engine, day: date) -> dict[str, Any] | None:
    """The stored report dict for KRX session ``day`` (with ``created_at``), or None."""
    with session_scope(engine) as s:
        row = s.scalar(select(SectorReport).where(SectorReport.session_date == day))
        if row is None:
            return None
        return {**row.payload, "created_at": row.created_at.isoformat(timespec="seconds")}


def report_picks(engine: Engine, day: date) -> list[tuple[int, str, str]]:
    """(rank, code, sector) of the stored picks of ``day``, best first."""
    with session_scope(engine) as s:
        q = (
            select(SectorReportPick.rank, SectorReportPick.stock_code, SectorReportPick.sector_code)
            .join(SectorReport, SectorReport.id == SectorReportPick.report_id)
            .where(SectorReport.session_date == day)
            .order_by(SectorReportPick.rank)
        )
        return [tuple(r) for r in s.execute(q)]


@memoized(Topic.REPORTS)
def report_dates(engine: Engine) -> list[date]:
    """Session dates with a stored report, newest first."""
    with session_scope(engine) as s:
        return list(s.scalars(select(SectorReport.session_date).order_by(SectorReport.session_date.desc())))


def latest_report(engine: Engine) -> tuple[date, dict[str, Any]] | None:
    """(session date, stored payload) of the newest report, or None when none is stored."""
    with session_scope(engine) as s:
        row = s.execute(
            select(SectorReport.session_date, SectorReport.payload)
            .order_by(SectorReport.session_date.desc())
            .limit(1)
        ).first()
        return None if row is None else (row[0], row[1] or {})


def _report_event(conn, report: dict[str, Any], report_id: int) -> None:  # noqa: ANN001 - a Connection
    from db.repositories.alerts import write_events_once
    from trading.alerts.events import AlertEvent, EventType
    from trading.timeconv import now_naive_kst

    picks = [p.get("name") or p["code"] for p in report["picks"][:3]]
    text = f"{report['session_date']} 리포트: " + (", ".join(picks) if picks else "추천 종목 없음")
    payload = {"session_date": report["session_date"], "report_id": report_id, "picks": len(report["picks"]),
               "text": text}  # fmt: skip
    event = AlertEvent(EventType.REPORT_READY, f"report:{report['session_date']}", now_naive_kst(), payload)
    write_events_once(conn, [event])  # one alert per session day (a rebuilt report is not news)
