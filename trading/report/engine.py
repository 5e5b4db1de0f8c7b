"""The morning report engine: US sector moves → Korean sector calls → liquid stock picks.

Framework-free: it takes plain data (``ReportInput``) and returns a ``SectorReport``.
Steps (PRD §11.3): close-to-close return of each US sector ETF for the signal session; the
``top_up`` best risers are "강세 예상", ETFs at or below ``down_threshold_pct`` "약세 예상"; each
Korean sector gets ``signal = Σ weight × return`` over its enabled mapping rows whose ETF was
called; stocks of sectors called up that rank in the top ``100 − value_percentile`` % by the
previous session's 거래대금 are scored ``signal × (1 − (rank − 1) / market size)`` and the best
``max_picks`` are kept (at most ``max_per_sector`` per sector first, then the rest by score).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from trading.krx.calendar import prev_nyse_session
from trading.report import notes
from trading.report.calendar import signal_window
from trading.report.config import SECTOR_ETFS, US_INDEXES, ReportConfig
from trading.report.model import (
    Driver,
    KrSectorCall,
    Note,
    Pick,
    ReportInput,
    SectorReport,
    UsClose,
    UsMove,
    UsSeries,
    data_kind,
)
from trading.sectors import SECTORS, US_ETF_NAMES


def _return(series: Mapping[date, UsClose], day: date) -> tuple[float, UsClose, UsClose] | None:
    cur = series.get(day)
    prev = series.get(prev_nyse_session(day))
    if cur is None or prev is None or prev.close <= 0:
        return None
    return (cur.close / prev.close - 1.0) * 100.0, cur, prev


def usable_us_day(us: UsSeries, wanted: date) -> date | None:
    """The latest XNYS session ≤ ``wanted`` with a close-to-close return for some sector ETF."""
    days = sorted({d for sym in SECTOR_ETFS for d in us.get(sym, {}) if d <= wanted}, reverse=True)
    for d in days:
        if any(_return(us.get(sym, {}), d) for sym in SECTOR_ETFS):
            return d
    return None


def us_moves(us: UsSeries, day: date, cfg: ReportConfig) -> tuple[list[UsMove], list[UsMove], set[str]]:
    """(ranked sector ETF moves with signals, index moves, data sources used) for session ``day``."""
    raw: list[tuple[str, float, UsClose, UsClose]] = []
    for sym in SECTOR_ETFS:
        r = _return(us.get(sym, {}), day)
        if r is not None:
            raw.append((sym, *r))
    raw.sort(key=lambda x: (-x[1], x[0]))
    sources: set[str] = set()
    sectors: list[UsMove] = []
    for rank, (sym, ret, cur, prev) in enumerate(raw, start=1):
        signal = "up" if rank <= cfg.top_up and ret > 0 else "down" if ret <= cfg.down_threshold_pct else None
        sectors.append(UsMove(sym, US_ETF_NAMES.get(sym, sym), ret, rank, cur.close, prev.close, signal))
        sources |= {cur.source, prev.source}
    indexes: list[UsMove] = []
    for sym, name in US_INDEXES.items():
        r = _return(us.get(sym, {}), day)
        if r is not None:
            indexes.append(UsMove(sym, name, r[0], 0, r[1].close, r[2].close))
            sources |= {r[1].source, r[2].source}
    return sectors, indexes, sources


def sector_calls(inp: ReportInput, moves: list[UsMove]) -> list[KrSectorCall]:
    """Expected direction of every Korean sector from its enabled mapping rows."""
    by_etf = {m.symbol: m for m in moves}
    calls = []
    for sd in SECTORS:
        drivers = tuple(
            Driver(row.etf, row.weight, by_etf[row.etf].return_pct, by_etf[row.etf].signal)
            for row in inp.mapping
            if row.enabled and row.sector_code == sd.code and row.etf in by_etf
        )
        called = [d for d in drivers if d.signal]
        signal = sum(d.weight * d.return_pct for d in called)
        if signal > 0 and any(d.signal == "up" for d in called):
            direction = "up"
        elif signal < 0 and any(d.signal == "down" for d in called):
            direction = "down"
        else:
            direction = "neutral"
        calls.append(KrSectorCall(sd.code, sd.name_ko, sd.name_en, direction, signal, drivers))
    return calls


def value_ranks(values: Mapping[str, int]) -> dict[str, int]:
    """Rank of every stock by 거래대금 (1 = largest; ties broken by code); zero values excluded."""
    ordered = sorted((c for c, v in values.items() if v > 0), key=lambda c: (-values[c], c))
    return {c: i for i, c in enumerate(ordered, start=1)}


def cutoff_rank(market_size: int, percentile: float) -> int:
    """The worst rank still inside the top ``100 − percentile`` % (at least 1 when there is a market)."""
    if market_size <= 0:
        return 0
    return max(1, math.ceil(market_size * (100.0 - percentile) / 100.0 - 1e-9))


def _reasons(call: KrSectorCall, rank: int, size: int, value: int, prev_krx: date) -> tuple[dict, ...]:
    out: list[dict] = [
        {
            "kind": "sector",
            "sector_code": call.code,
            "etf": d.etf,
            "return_pct": round(d.return_pct, 4),
            "weight": d.weight,
        }
        for d in call.drivers
        if d.signal == "up"
    ]
    out.append({"kind": "value_rank", "rank": rank, "of": size, "value": value, "day": prev_krx.isoformat()})
    return tuple(out)


def select_picks(candidates: list[Pick], cfg: ReportConfig) -> list[Pick]:
    """Best by score, at most ``max_per_sector`` per sector first, then fill up to ``max_picks``."""
    ordered = sorted(candidates, key=lambda p: (-p.score, p.value_rank, p.code))
    chosen: list[Pick] = []
    per_sector: dict[str, int] = {}
    for p in ordered:
        if len(chosen) < cfg.max_picks and per_sector.get(p.sector_code, 0) < cfg.max_per_sector:
            chosen.append(p)
            per_sector[p.sector_code] = per_sector.get(p.sector_code, 0) + 1
    for p in ordered:
        if len(chosen) >= cfg.max_picks:
            break
        if p not in chosen:
            chosen.append(p)
    return sorted(chosen, key=lambda p: (-p.score, p.value_rank, p.code))


def build_report(inp: ReportInput, cfg: ReportConfig | None = None) -> SectorReport:
    """The report for KRX session ``inp.session_date`` (``ReportDateError`` if it is not one)."""
    cfg = cfg or ReportConfig()
    win = signal_window(inp.session_date)
    note_list: list[Note] = []
    if len(win.new_us_sessions) > 1:
        note_list.append(notes.several_us_sessions(win.new_us_sessions))
    elif win.repeated:
        note_list.append(notes.repeated_us_session(win.us_session, win.prev_krx_session))

    used = usable_us_day(inp.us, win.us_session)
    stale_note = notes.stale(win.us_session, used) if used != win.us_session else None
    moves, indexes, sources = us_moves(inp.us, used, cfg) if used else ([], [], set())
    simulated = "simulated" in sources
    if simulated:
        note_list.append(notes.simulated())
    have = {m.symbol for m in moves} | {m.symbol for m in indexes}
    missing = tuple(s for s in (*SECTOR_ETFS, *US_INDEXES) if s not in have)
    if missing:
        note_list.append(notes.us_missing(missing, used))
    kr_data = data_kind(inp.kr_sources)
    if kr_data in ("simulated", "mixed"):
        note_list.append(notes.kr_simulated(win.prev_krx_session))
    us_data = data_kind(sources)
    source = "none" if not sources else next(iter(sources)) if len(sources) == 1 else "mixed"

    calls = sector_calls(inp, moves)
    ranks = value_ranks(inp.values)
    size = len(ranks)
    cutoff = cutoff_rank(size, cfg.value_percentile)
    up = {c.code: c for c in calls if c.direction == "up"}
    in_sectors = [s for s in inp.stocks.values() if s.sector_code in up]
    candidates = []
    for s in in_sectors:
        rank = ranks.get(s.code)
        if rank is None or rank > cutoff:
            continue
        call = up[s.sector_code]
        score = call.signal_pct * (1.0 - (rank - 1) / size)
        reasons = _reasons(call, rank, size, inp.values[s.code], win.prev_krx_session)
        candidates.append(
            Pick(s.code, s.name_ko, s.name_en, s.sector_code, inp.values[s.code], rank, score, reasons)
        )
    picks = select_picks(candidates, cfg)

    if used and not up:
        note_list.append(notes.no_rising(sum(1 for m in moves if m.return_pct > 0)))
    if not size:
        note_list.append(notes.no_values(win.prev_krx_session))
    elif up and len(picks) < cfg.min_picks:
        top = 100.0 - cfg.value_percentile
        note_list.append(notes.few_picks(len(picks), cfg.min_picks, len(in_sectors), top, cutoff))

    return SectorReport(
        session_date=win.session_date,
        us_session_date=used,
        us_session_expected=win.us_session,
        prev_krx_session=win.prev_krx_session,
        new_us_sessions=win.new_us_sessions,
        data_source=source,
        simulated=simulated,
        stale_note=stale_note,
        notes=note_list,
        us_sectors=moves,
        us_indexes=indexes,
        kr_sectors=calls,
        picks=picks,
        market_size=size,
        value_cutoff_rank=cutoff,
        config=cfg.to_dict(),
        kr_data=kr_data,
        us_data=us_data,
        us_missing=missing,
    )
