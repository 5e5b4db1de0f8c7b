"""Fixed market data for the report tests (no generator): one US session, one KRX value ranking.

KRX session 2026-11-20 (Fri) uses US session 2026-11-19 (vs 2026-11-18) and ranks stocks by the
거래대금 of KRX 2026-11-19. Fifty real listed stocks form the market; the top 20% are ranks 1–10.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from trading.krx.calendar import nyse_sessions, prev_krx_session
from trading.report import TrackInput
from trading.report.calendar import signal_window
from trading.report.model import MapRow, ReportInput, StockRef, UsClose
from trading.sectors import SEED_MAPPING
from trading.stocks import read_listing

SESSION = date(2026, 11, 20)
PREV_KRX = date(2026, 11, 19)
US_DAY = date(2026, 11, 19)
US_PREV = date(2026, 11, 18)

US_RETURNS: dict[str, float] = {
    "SOXX": 3.0, "SMH": 2.5, "XLK": 2.0, "XLV": 1.5, "XLY": 0.8, "XLI": 0.5, "XLB": 0.3, "XLC": 0.1,
    "XLP": -0.2, "XLF": -0.5, "XLRE": -0.8, "XLU": -1.0, "XLE": -1.5,
    "^GSPC": 0.9, "^NDX": 1.4, "^SOX": 3.1,
}  # fmt: skip

# By 거래대금 rank on PREV_KRX, best first (then 38 fillers from other sectors).
RANKED_HEAD = (
    "005930", "373220", "000660", "207940", "042700", "006400", "007660", "000990", "058470", "096770",
    "403870", "009150",
)  # fmt: skip
EXPECTED_PICKS = ["005930", "000660", "042700", "007660", "000990", "058470", "373220", "006400"]


def listing():
    return {s.code: s for s in read_listing()}


def ranked_codes() -> list[str]:
    lst = listing()
    fillers = [c for c, s in sorted(lst.items()) if s.sector_code not in ("SEMI", "IT")][:38]
    return list(RANKED_HEAD) + fillers


def value_of(rank: int) -> int:
    return (51 - rank) * 50_000_000_000  # rank 1 = 2.5조


def values() -> dict[str, int]:
    return {c: value_of(r) for r, c in enumerate(ranked_codes(), start=1)}


def us_closes(
    returns: dict[str, float] = US_RETURNS, day: date = US_DAY, prev: date = US_PREV, source: str = "yfinance"
) -> dict[str, dict[date, UsClose]]:
    return {
        s: {prev: UsClose(100.0, source), day: UsClose(round(100.0 * (1 + r / 100), 6), source)}
        for s, r in returns.items()
    }


def stock_refs() -> dict[str, StockRef]:
    return {c: StockRef(c, s.name_ko, s.name_en or s.name_ko, s.sector_code) for c, s in listing().items()}


def mapping() -> list[MapRow]:
    return [MapRow(e, s, w, True) for e, s, w in SEED_MAPPING]


def report_input(session: date = SESSION, **kw) -> ReportInput:
    args = {"us": us_closes(), "mapping": mapping(), "stocks": stock_refs(), "values": values()}
    args.update(kw)
    return ReportInput(session_date=session, **args)


def insert_fixed_market(
    engine: Engine, *, seed_master: bool = True, source: str = "yfinance", kr_source: str = "kis"
) -> None:
    """Sectors, the 50 stocks and the seed mapping (unless already seeded), PREV_KRX bars, US bars."""
    from db.engine import session_scope
    from db.models import DailyBar
    from db.repositories import reports, stocks
    from trading.market.us_data import UsBar

    if seed_master:
        stocks.upsert_sectors(engine)
        lst = listing()
        stocks.upsert_stocks(engine, [lst[c] for c in ranked_codes()])
        stocks.seed_mapping(engine, SEED_MAPPING)
    with session_scope(engine) as s:
        for code, v in values().items():
            s.add(
                DailyBar(
                    code=code,
                    day=PREV_KRX,
                    open=10_000,
                    high=10_000,
                    low=10_000,
                    close=10_000,
                    volume=v // 10_000,
                    value=v,
                    source=kr_source,
                )
            )
    bars = [
        UsBar(sym, day, c.close, c.close, c.close, c.close, 1_000_000, c.source)
        for sym, series in us_closes(source=source).items()
        for day, c in series.items()
    ]
    reports.upsert_us_bars(engine, bars)


def track_history(sessions: list[date]) -> TrackInput:
    """SOXX alternates +2% / −2% each US session; semis follow the next KRX day at +1%/−1%."""
    us_days = nyse_sessions(date(2026, 9, 1), sessions[-1])
    us: dict[str, dict[date, UsClose]] = {s: {} for s in US_RETURNS}
    sign: dict[date, int] = {}
    price = {s: 100.0 for s in US_RETURNS}
    for i, d in enumerate(us_days):
        sign[d] = 1 if i % 2 else -1
        for s in price:
            r = 0.02 * sign[d] if s == "SOXX" else 0.001 * (i % 3 - 1)
            price[s] *= 1 + r
            us[s][d] = UsClose(price[s], "yfinance")
    codes = ranked_codes()
    refs = stock_refs()
    closes = dict.fromkeys(codes, 10_000)
    vals = values()
    bars = {}
    start = prev_krx_session(sessions[0])
    for d in [start, *sessions]:
        if d != start:
            s = sign[signal_window(d).us_session]
            for c in codes:
                mult = 1 + 0.01 * s if refs[c].sector_code == "SEMI" else 1.0
                closes[c] = round(closes[c] * mult)
        bars[d] = {c: (closes[c], closes[c], vals[c]) for c in codes}
    return TrackInput(sessions, bars, us, mapping(), {c: refs[c] for c in codes})
