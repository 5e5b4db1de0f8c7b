"""Shared fixtures: real SQLite and MariaDB engines, a real Redis, settings.

With CI=true a missing MariaDB, Redis or browser fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from db.engine import make_engine
from db.models import Base

if shutil.which("chromium"):  # Debian's Chromium; dash_duo drives it through chromedriver
    os.environ.setdefault("DASH_TEST_CHROMEPATH", shutil.which("chromium"))

from support.private_services import IN_CI, fresh_mariadb, missing_service  # noqa: E402

# The fake webhook receivers listen on 127.0.0.1; a deployment refuses such webhook hosts by default.
os.environ.setdefault("ALERT_WEBHOOK_PRIVATE", "true")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mariadb_server_url() -> str:
    """TEST_DATABASE_URL, checked to answer."""
    try:
        probe = create_engine(TEST_DATABASE_URL)
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
    except Exception as err:  # noqa: BLE001
        missing_service("MariaDB (TEST_DATABASE_URL)", err)
    return TEST_DATABASE_URL


@pytest.fixture
def mariadb_url(mariadb_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server for one test, dropped afterwards.

    A private database per test keeps parallel runs (and partitioned tables) apart.
    """
    yield from fresh_mariadb(mariadb_server_url, "g")


@pytest.fixture
def mariadb_engine(mariadb_url: str) -> Iterator[Engine]:
    engine = make_engine(mariadb_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "mariadb"])
def db_engine(request) -> Engine:
    """The same test on SQLite and on MariaDB."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(TEST_REDIS_URL)
        client.ping()
        client.close()
    except Exception as err:  # noqa: BLE001
        missing_service("Redis (TEST_REDIS_URL)", err)
    return TEST_REDIS_URL


@pytest.fixture
def redis_client(redis_url: str):
    """A real Redis client; keys a test writes should use the ``key_prefix`` fixture."""
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client) -> Iterator[str]:
    """A unique Redis key prefix, deleted after the test."""
    prefix = f"gslts-test:{uuid.uuid4().hex[:8]}:"
    yield prefix
    for key in redis_client.scan_iter(match=prefix + "*"):
        redis_client.delete(key)


# --- web app -------------------------------------------------------------------------------

TEST_USER = "trader"
TEST_PASSWORD = "test-password-1"


@pytest.fixture
def app_settings(tmp_path, monkeypatch):
    """Settings for an embedded app on a fresh, migrated and seeded SQLite file with one user."""
    from db.migrate import upgrade
    from db.repositories import guide as guide_progress
    from db.repositories.users import add_user
    from db.seed import seed
    from trading.config import load_settings

    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'app.db'}"
    # The session starts at the open (tests step from there); the first-visit test asks for the morning.
    settings = load_settings(database_url=url, data_dir=tmp_path / "data", redis_url=None, demo_start="open")
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    user = add_user(engine, TEST_USER, TEST_PASSWORD, role="admin")
    # This user has seen the first-run tour (its offer would sit over the pages other tests click);
    # tests/app/test_guide_tour.py logs in a new user.
    guide_progress.save_progress(engine, user.id, "skipped", 0)
    engine.dispose()
    return settings


@pytest.fixture
def dash_app(app_settings):
    from app.runtime import runtime
    from app.server import create_app

    app = create_app(app_settings)
    yield app
    runtime().close()  # stops a market a page may have started


@pytest.fixture
def paper_dash_app(app_settings):
    """An embedded app whose paper market (simulator + exchange on the app's database) is running."""
    from app.runtime import runtime
    from app.server import create_app

    app = create_app(app_settings)
    runtime().become_owner()  # this process owns the market: start it now
    yield app
    runtime().close()


@pytest.fixture
def client(dash_app):
    dash_app.server.config["TESTING"] = True
    return dash_app.server.test_client()


def login_client(client, username: str = TEST_USER, password: str = TEST_PASSWORD):
    """Log a Flask test client in through the real form (CSRF token included)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"}
    )


@pytest.fixture
def login():
    """``login(client, username=..., password=...)``: log a Flask test client in through the form."""
    return login_client


@pytest.fixture
def open_login_page(dash_duo):
    """``open_login_page(app, path)``: serve ``app`` in Chromium and open ``path`` without logging in."""
    return lambda app, path="/login": open_login(dash_duo, app, path)


def open_login(dash_duo, app, path: str = "/login") -> None:
    """Serve ``app`` and open ``path`` (the login form is a plain page, not a Dash page)."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.set_window_size(1400, 900)  # desktop; the mobile test sets 390 px itself
    dash_duo.driver.get(dash_duo.server.url + path)


@pytest.fixture
def browser_login(dash_duo):
    """Start a Dash app in headless Chromium and log in through the form; returns dash_duo."""

    def _login(app, username: str = TEST_USER, password: str = TEST_PASSWORD):
        open_login(dash_duo, app)
        dash_duo.wait_for_element("#username", timeout=10).send_keys(username)
        dash_duo.find_element("#password").send_keys(password)
        dash_duo.find_element("#login-submit").click()
        return dash_duo

    return _login


def pytest_collection_modifyitems(config, items):
    """With CI=true the browser tests must run: a missing Chromium/chromedriver fails them."""
    if IN_CI or shutil.which("chromedriver"):
        return
    skip = pytest.mark.skip(reason="chromedriver not installed (CI installs it)")
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's hook signature
    """List the screenshots the browser tests saved (issue 17: every page at 1440 and 390 px)."""
    from support.artifacts import screenshot_dir

    shots = sorted(screenshot_dir().glob("*.png"))
    if shots:
        terminalreporter.write_sep("-", f"screenshots ({len(shots)}) in {screenshot_dir()}")
        for path in shots:
            terminalreporter.write_line(str(path))


@pytest.fixture(autouse=True)
def _browser_server_outlives_the_app(request: pytest.FixtureRequest) -> Iterator[None]:
    """dash.testing's threaded server stops by raising SystemExit in every thread started after it, the
    app's own (bot runner, market, scheduler) included. Setting ``dash_duo`` up first makes the app's
    fixtures tear down (and join their threads) before that server stops."""
    if "dash_duo" in request.fixturenames:
        request.getfixturevalue("dash_duo")
    yield
