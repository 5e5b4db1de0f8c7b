"""The screen panel reader on SQLite and MariaDB, and the screen service on it (cache, US-linked sectors)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from support.screen import random_bars, reference_screen

from db.repositories import bars as bars_repo
from db.repositories import screens as repo
from db.repositories.reports import save_report
from db.repositories.stocks import upsert_sectors, upsert_stocks
from services import screens as service
from trading.screen.engine import build_panel
from trading.screen.spec import ScreenError, parse_screen
from trading.stocks import read_listing

N_STOCKS, SESSIONS = 60, 140


@pytest.fixture
def stored(db_engine):
    listing = read_listing()[:N_STOCKS]
    upsert_sectors(db_engine)
    upsert_stocks(db_engine, listing)
    metas = repo.stock_metas(db_engine)
    frame = random_bars(metas, SESSIONS, seed=11)
    for col in ("open", "high", "low"):
        frame[col] = frame["close"]
    frame["volume"] = frame["value"] // frame["close"].clip(lower=1)
    bars_repo.insert_daily_bars(db_engine, frame)
    service.clear_cache()
    yield db_engine, metas, frame
    service.clear_cache()


def test_panel_holds_the_last_sessions_of_every_stock(stored):
    engine, metas, frame = stored
    assert [m.code for m in metas] == sorted(s.code for s in read_listing()[:N_STOCKS])
    assert metas[0].name and metas[0].market in ("KOSPI", "KOSDAQ") and metas[0].sector
    panel = repo.load_panel(engine)
    days = sorted(set(frame["day"]))[-repo.PANEL_SESSIONS :]
    assert panel.days == tuple(days)
    recent = frame[frame["day"] >= days[0]]
    want = build_panel(
        metas, recent["code"].tolist(), recent["day"].tolist(), recent["close"], recent["value"]
    )
    np.testing.assert_array_equal(panel.close, want.close)
    np.testing.assert_array_equal(panel.value, want.value)
    np.testing.assert_array_equal(panel.has_bar, want.has_bar)
    assert repo.bars_version(engine) == (days[-1], int((frame["day"] == days[-1]).sum()))
    assert repo.bars_version(engine, since=days[0]) == (days[-1], len(recent)) and panel.rows == len(recent)
    assert len(repo.load_panel(engine, sessions=5).days) == 5


def test_empty_database(db_engine):
    upsert_sectors(db_engine)
    assert repo.bars_version(db_engine) == (None, 0)
    panel = repo.load_panel(db_engine)
    assert panel.days == () and panel.stocks == ()


def test_service_screens_the_stored_bars_and_caches_the_panel(stored):
    engine, metas, frame = stored
    raw = {"rsi": {"max": 60}, "limit": 500}
    recent = frame[frame["day"] >= sorted(set(frame["day"]))[-repo.PANEL_SESSIONS]]
    want = [c for c, _ in reference_screen(parse_screen(raw), metas, recent)]
    assert want and service.screen_codes(engine, raw) == want
    first = service.panel(engine)
    assert service.panel(engine) is first  # cached
    extra = frame[frame["day"] == frame["day"].max()].head(3).copy()
    extra["day"] = date(2026, 11, 30)
    bars_repo.insert_daily_bars(engine, extra)
    second = service.panel(engine)
    assert second is not first and second.days[-1] == date(2026, 11, 30)
    assert service.panel(engine) is second
    # A backfilled bar inside the panel's sessions (a stock missing that day) reloads it too.
    day = second.days[-2]
    j = int(np.flatnonzero(~second.has_bar[-2])[0])
    gap = frame.head(1).copy()
    gap["code"], gap["day"] = second.stocks[j].code, day
    bars_repo.insert_daily_bars(engine, gap)
    third = service.panel(engine)
    assert third is not second and third.has_bar[-2, j] and third.close[-2, j] == gap["close"].iloc[0]
    with pytest.raises(ScreenError):
        service.screen_codes(engine, {"rsi": {"max": 900}})


def test_us_linked_uses_the_latest_report(stored):
    engine, metas, _ = stored
    assert service.run(engine, {"us_linked": "up"}).hits == []  # no report: nothing
    for day, up in ((date(2026, 11, 26), "FIN"), (date(2026, 11, 27), "SEMI")):
        kr = [{"code": up, "direction": "up"}, {"code": "IT", "direction": "down"}]
        save_report(engine, {"session_date": day.isoformat(), "data_source": "simulated", "picks": [],
                             "kr_sectors": kr})  # fmt: skip
    result = service.run(engine, {"us_linked": "up", "limit": 500})
    assert result.report_day == date(2026, 11, 27) and result.us_sectors == ("SEMI",)
    sectors = {m.code: m.sector for m in metas}
    assert result.hits and {sectors[h.code] for h in result.hits} == {"SEMI"}
    down = service.run(engine, {"us_linked": "down", "limit": 500})
    assert {sectors[h.code] for h in down.hits} == {"IT"}
    assert result.to_dict()["us_sectors"] == ["SEMI"]
