"""Market reads: quotes, order books, the 거래대금 ranking, today's and daily bars, the morning report — the same
reads the pages make (``market_data()``: the in-process market or the Redis cache, never a broker call
per request)."""

from __future__ import annotations

from datetime import date, timedelta

from app.api.endpoint import Call, Endpoint, api
from app.api.problems import ApiProblem
from app.api.schemas import (
    BarOut,
    BarsQuery,
    BookOut,
    DailyBarsQuery,
    Level,
    Problem,
    QuoteOut,
    RankingQuery,
    RankOut,
    ReportOut,
)
from app.components.data import market_data, stock
from app.runtime import runtime
from db.repositories import bars as bars_repo
from db.repositories import reports as reports_repo
from trading.krx import today_kst

CODE = {"type": "string", "pattern": "^[0-9A-Z]{6}$"}


def _known(code: str) -> str:
    if stock(code) is None:
        raise ApiProblem("NOT_FOUND", f"unknown stock code {code}", f"존재하지 않는 종목코드입니다: {code}")
    return code


BY_CODE = {"others": {404: Problem}, "path_params": {"code": CODE}}


@api(Endpoint("GET", "/quotes/<code>", "A stock's current quote", "market", "read", QuoteOut, **BY_CODE))
def get_quote(call: Call, code: str) -> QuoteOut:
    md = market_data()
    q = md.quote(_known(code))
    return QuoteOut(
        code=q.code, price=q.price, prev_close=q.prev_close, change=q.change, change_pct=round(q.change_pct, 4),
        open=q.open, high=q.high, low=q.low, volume=q.volume, value=q.value, upper_limit=q.upper_limit,
        lower_limit=q.lower_limit, strength=q.strength, time=q.time, stale=bool(md.is_stale(code)),
    )  # fmt: skip


@api(Endpoint("GET", "/books/<code>", "A stock's order book (10 levels a side)", "market", "read", BookOut,
              **BY_CODE))  # fmt: skip
def get_book(call: Call, code: str) -> BookOut:
    b = market_data().book(_known(code))
    return BookOut(code=b.code, time=b.time, asks=[Level(price=x.price, qty=x.qty) for x in b.asks],
                   bids=[Level(price=x.price, qty=x.qty) for x in b.bids])  # fmt: skip


@api(
    Endpoint(
        "GET",
        "/ranking",
        "Today's TOP stocks by 거래대금",
        "market",
        "read",
        list[RankOut],
        query=RankingQuery,
    )
)
def get_ranking(call: Call) -> list[RankOut]:
    q: RankingQuery = call.query
    rows = market_data().ranking(limit=q.limit, market=q.market)
    return [
        RankOut(rank=r.rank, code=r.code, name=r.name, market=r.market, sector=r.sector, price=r.price,
                prev_close=r.prev_close, change_pct=round(r.change_pct, 4), volume=r.volume, value=r.value)
        for r in rows
    ]  # fmt: skip


@api(Endpoint("GET", "/bars/<code>", "Today's intraday bars", "market", "read", list[BarOut], query=BarsQuery,
              **BY_CODE))  # fmt: skip
def get_bars(call: Call, code: str) -> list[BarOut]:
    bars = market_data().intraday_bars(_known(code), call.query.interval)
    return [BarOut(time=b.time, open=b.open, high=b.high, low=b.low, close=b.close, volume=b.volume,
                   value=b.value) for b in bars]  # fmt: skip


@api(Endpoint("GET", "/bars/<code>/daily", "Daily bars (stored history, oldest first)", "market", "read",
              list[BarOut], query=DailyBarsQuery, **BY_CODE))  # fmt: skip
def get_daily_bars(call: Call, code: str) -> list[BarOut]:
    q: DailyBarsQuery = call.query
    end = q.end or today_kst()
    start = q.start or (end - timedelta(days=366) if end > date.min + timedelta(days=366) else date.min)
    bars = bars_repo.daily_bars(runtime().engine, _known(code), start, end)
    return [BarOut(time=b.time, open=b.open, high=b.high, low=b.low, close=b.close, volume=b.volume,
                   value=b.value) for b in bars]  # fmt: skip


@api(Endpoint("GET", "/report", "The latest morning sector report", "market", "read", ReportOut,
              others={404: Problem}))  # fmt: skip
def get_report(call: Call) -> ReportOut:
    latest = reports_repo.latest_report(runtime().engine)
    if latest is None:
        raise ApiProblem("NOT_FOUND", "no morning report yet", "아직 아침 리포트가 없습니다")
    return ReportOut(session_date=latest[0], report=latest[1])
