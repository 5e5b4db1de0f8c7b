"""Bar repository on SQLite and MariaDB: bulk store is idempotent and reads round-trip."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from db.repositories import bars
from trading.domain import KST
from trading.market.history import generate_history
from trading.market.stocks import load_listing

END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def history():
    stocks = [s for s in load_listing() if s.code in {"005930", "000660", "035720", "000020", "373220"}]
    return generate_history(stocks, end=END, years=0.1, minute_days=2, seed=7, minute_stocks=2)


def test_store_and_read_back(db_engine, history):
    assert not bars.has_daily_bars(db_engine)
    written = bars.store_history(db_engine, history)
    assert written["daily_bars"] == len(history.daily)
    assert bars.store_history(db_engine, history) == written  # idempotent: duplicates ignored
    assert bars.has_daily_bars(db_engine)

    got = bars.daily_bars(db_engine, "005930", history.first_day, END)
    want = history.daily[history.daily.code == "005930"]
    assert [(b.time.date(), b.open, b.high, b.low, b.close, b.volume, b.value) for b in got] == [
        tuple(r)
        for r in want[["day", "open", "high", "low", "close", "volume", "value"]].itertuples(index=False)
    ]
    assert got[-1].time == datetime(2026, 11, 20, tzinfo=KST)

    start = datetime(2026, 11, 20, 9, 0, tzinfo=KST)
    mins = bars.minute_bars(db_engine, "005930", start, start + timedelta(days=1))
    assert mins[0].time == start  # the 09:00 bar is inside a range that starts at 09:00
    assert mins[-1].time == datetime(2026, 11, 20, 15, 30, tzinfo=KST)
    assert sum(b.value for b in mins) == got[-1].value
    assert bars.minute_bars(db_engine, "005930", start, start) == []

    values = bars.latest_daily_values(db_engine, date(2026, 11, 21))
    assert values["005930"] == got[-1].value and len(values) == 5
    day, closes = bars.latest_closes(db_engine, date(2026, 11, 21))
    assert day == END and closes == history.last_closes()

    us = bars.us_bars(db_engine, "SOXX", history.first_day, END)
    assert len(us) > 10 and isinstance(us["close"].iloc[0], Decimal)
