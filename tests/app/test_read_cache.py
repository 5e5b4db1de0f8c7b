"""The embedded web app's cached reads (db/cache.py) follow writes made by ``gslts`` CLI processes.

The app (``dash_app``) and the CLI are two processes on one data dir: the app renders /sectors and /report
from its cache, a CLI command changes the data, the app's next rendering shows the change.
"""

from __future__ import annotations

import json
import subprocess

import dash
import plotly
import pytest
from sqlalchemy import text
from support import report_data as rd
from support.cli import run_for

from db import cache
from db.engine import make_engine


def gslts(settings, *args: str) -> subprocess.CompletedProcess:  # noqa: ANN001 - trading.config.Settings
    return run_for(settings.model_copy(update={"redis_url": None}), *args)  # the embedded deployment


def _rendered(dash_app, page: str) -> str:  # noqa: ANN001 - a dash.Dash
    """What the page's layout renders now, as the JSON Dash sends (in a request of the app).

    The layout comes from Dash's page registry: importing ``app.pages.<page>`` here would register the page
    a second time under another module name.
    """
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == f"/{page}")
    with dash_app.server.test_request_context(f"/{page}"):
        return json.dumps(layout(), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


@pytest.fixture
def engine(app_settings):
    engine = make_engine(app_settings.database_url)
    yield engine
    engine.dispose()


def test_a_cli_mapping_edit_shows_on_the_sectors_page(app_settings, dash_app, engine):
    assert "0.35" not in _rendered(dash_app, "sectors")
    with engine.begin() as conn:  # behind the cache's back: the page keeps what it cached
        conn.execute(text("UPDATE us_sector_map SET weight = 0.45 WHERE etf = 'XLE'"))
    assert "0.45" not in _rendered(dash_app, "sectors")

    gslts(app_settings, "sectors", "set", "XLK", "IT", "--weight", "0.35")
    page = _rendered(dash_app, "sectors")
    assert "0.35" in page and "0.45" in page


def test_a_cli_report_shows_on_the_report_page(app_settings, dash_app, engine):
    rd.insert_fixed_market(engine, seed_master=False)
    assert "report-empty" in _rendered(dash_app, "report")  # no report yet (and that body is cached)

    gslts(app_settings, "report", "--date", rd.SESSION.isoformat())
    page = _rendered(dash_app, "report")
    assert "report-empty" not in page and all(f"pick-{code}" in page for code in rd.EXPECTED_PICKS)


def test_a_cli_reseed_shows_in_the_stock_master(app_settings, dash_app, engine, monkeypatch):
    from app.components.data import stock

    monkeypatch.setattr(cache, "LOCAL_RECHECK_S", 0.0)  # the app asks the store at every read
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stocks WHERE code = '005930'"))
    with dash_app.server.test_request_context("/ranking"):
        assert stock("005930") is None  # the master the app builds now lacks it
        gslts(app_settings, "db", "seed")
        assert stock("005930").name_ko == "삼성전자"
