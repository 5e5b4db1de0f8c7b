"""Track record: how well the US→KR mapping and the picks did on stored history.

Method (also stored in the result so the page can show it):

* For every KRX session ``D`` in the window whose signal is new (not a repeat after a US holiday)
  and whose US data is complete, the engine is re-run on the data known before ``D``'s open.
* Sector return on ``D`` = equal-weight mean of its stocks' close-to-close returns (close of ``D`` vs
  close of the previous KRX session); the market return is the same mean over all stocks.
* Per mapping row: Pearson r between the ETF's signal-session return and the sector's return on
  ``D`` (all days); hit rate of the engine's direction calls for that ETF (up: in the top risers,
  down: at or below the threshold) with a 95% Wilson interval.
* Picks: the mean next-session (= ``D``) return of the day's picks against the market, close-to-close
  and open-to-close (the latter is what buying at the open could earn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean
from typing import Any

from trading.krx.calendar import prev_krx_session
from trading.report.config import ReportConfig
from trading.report.engine import build_report
from trading.report.model import MapRow, ReportInput, StockRef, UsSeries, data_kind
from trading.report.stats import pearson, wilson

KrDay = Mapping[str, tuple[int, int, int]]  # code -> (open, close, 거래대금)

METHOD = {
    "ko": "섹터 수익률 = 섹터 종목의 종가 대비 종가 수익률 단순평균(동일가중). 시장 = 전 종목 단순평균. "
    "적중률은 엔진의 방향 신호(상승 상위/하락 기준)에 대해서만 계산하며 95% 윌슨 구간을 표시합니다. "
    "현재 매핑으로 과거 날짜마다 엔진을 다시 실행했습니다.",
    "en": "Sector return = equal-weight mean of its stocks' close-to-close returns; market = equal-weight "
    "mean of all stocks. Hit rate counts the engine's direction calls only (top risers / below the "
    "threshold), with a 95% Wilson interval. The engine was re-run for each past day with the current mapping.",
}


@dataclass(frozen=True, slots=True)
class TrackInput:
    sessions: Sequence[date]  # KRX sessions to evaluate
    kr_bars: Mapping[date, KrDay]
    us: UsSeries
    mapping: Sequence[MapRow]
    stocks: Mapping[str, StockRef]
    kr_sources: frozenset[str] = frozenset()  # daily_bars sources in the window


def _c2c(today: KrDay, prev: KrDay, codes: list[str]) -> list[float]:
    out = []
    for c in codes:
        if c in today and c in prev and prev[c][1] > 0:
            out.append((today[c][1] / prev[c][1] - 1.0) * 100.0)
    return out


def _o2c(today: KrDay, codes: list[str]) -> list[float]:
    return [(today[c][1] / today[c][0] - 1.0) * 100.0 for c in codes if c in today and today[c][0] > 0]


def _mean(xs: list[float]) -> float | None:
    return fmean(xs) if xs else None


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def compute_track_record(inp: TrackInput, cfg: ReportConfig | None = None) -> dict[str, Any]:
    """The track record as a JSON-ready dict (see the module docstring for the method)."""
    cfg = cfg or ReportConfig()
    by_sector: dict[str, list[str]] = {}
    for s in inp.stocks.values():
        by_sector.setdefault(s.sector_code, []).append(s.code)
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {
        (m.etf, m.sector_code): [] for m in inp.mapping
    }
    calls: dict[tuple[str, str], list[bool]] = {k: [] for k in pairs}
    day_rows: list[tuple[float, float, float, float, int]] = []
    used_days: list[date] = []
    for d in inp.sessions:
        p = prev_krx_session(d)
        today, prev = inp.kr_bars.get(d), inp.kr_bars.get(p)
        if not today or not prev:
            continue
        values = {c: v[2] for c, v in prev.items()}
        rep = build_report(ReportInput(d, inp.us, inp.mapping, inp.stocks, values), cfg)
        if rep.stale_note or not rep.new_us_sessions or not rep.us_sectors:
            continue
        used_days.append(d)
        moves = {m.symbol: m for m in rep.us_sectors}
        sector_ret = {code: _mean(_c2c(today, prev, codes)) for code, codes in by_sector.items()}
        for etf, sector in pairs:
            m, y = moves.get(etf), sector_ret.get(sector)
            if m is None or y is None:
                continue
            pairs[(etf, sector)].append((m.return_pct, y))
            if m.signal:
                calls[(etf, sector)].append((y > 0) if m.signal == "up" else (y < 0))
        codes = [p_.code for p_ in rep.picks]
        pick_c2c, pick_o2c = _mean(_c2c(today, prev, codes)), _mean(_o2c(today, codes))
        all_codes = list(today)
        mkt_c2c, mkt_o2c = _mean(_c2c(today, prev, all_codes)), _mean(_o2c(today, all_codes))
        if pick_c2c is not None and pick_o2c is not None and mkt_c2c is not None and mkt_o2c is not None:
            day_rows.append((pick_c2c, mkt_c2c, pick_o2c, mkt_o2c, len(codes)))

    mappings = []
    for m in inp.mapping:
        xy = pairs[(m.etf, m.sector_code)]
        hits = calls[(m.etf, m.sector_code)]
        ci = wilson(sum(hits), len(hits))
        mappings.append(
            {
                "etf": m.etf,
                "sector_code": m.sector_code,
                "weight": m.weight,
                "enabled": m.enabled,
                "n": len(xy),
                "pearson_r": _r(pearson([a for a, _ in xy], [b for _, b in xy])),
                "calls": len(hits),
                "hits": sum(hits),
                "hit_rate": _r(sum(hits) / len(hits)) if hits else None,
                "ci_low": _r(ci[0]) if ci else None,
                "ci_high": _r(ci[1]) if ci else None,
            }
        )
    picks: dict[str, Any] = {"days": len(day_rows), "picks": sum(r[4] for r in day_rows)}
    if day_rows:
        pc, mc = fmean(r[0] for r in day_rows), fmean(r[1] for r in day_rows)
        po, mo = fmean(r[2] for r in day_rows), fmean(r[3] for r in day_rows)
        picks |= {
            "avg_pick_return_pct": _r(pc),
            "avg_market_return_pct": _r(mc),
            "excess_pct": _r(pc - mc),
            "avg_pick_open_close_pct": _r(po),
            "avg_market_open_close_pct": _r(mo),
            "excess_open_close_pct": _r(po - mo),
            "days_beating_market": sum(1 for r in day_rows if r[0] > r[1]),
        }
    us_sources = {c.source for series in inp.us.values() for c in series.values()}
    return {
        "kr_data": data_kind(inp.kr_sources),  # simulated | real | mixed | none
        "us_data": data_kind(us_sources),
        "kr_sources": sorted(inp.kr_sources),
        "us_sources": sorted(us_sources),
        "start": used_days[0].isoformat() if used_days else None,
        "end": used_days[-1].isoformat() if used_days else None,
        "sessions": len(used_days),
        "sector_return": "equal-weight",
        "method": METHOD,
        "mappings": mappings,
        "picks": picks,
    }
