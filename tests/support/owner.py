"""A real account owner for tests: a migrated and seeded database, users, and ``start_owner``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories.users import add_user
from db.seed import seed
from services.owner import Owner, start_owner
from services.ownership import FileLease
from support.private_services import fresh_mariadb
from trading.config import Settings, load_settings
from trading.orders.naming import owner_scope

PASSWORD = "test-password-1"
USERS = (("trader", "admin"), ("kim", "trader"), ("viewer", "viewer"))


def prepare_database(url: str) -> None:
    """Migrate and seed ``url``, and add the users of ``USERS`` (all with ``PASSWORD``), who have seen the
    first-run tour (its corner card must not sit over what a test clicks; tests/app/test_guide_tour.py
    logs in a new user)."""
    from db.repositories import guide

    upgrade(url)
    engine = make_engine(url)
    try:
        seed(engine)
        for name, role in USERS:
            guide.save_progress(engine, add_user(engine, name, PASSWORD, role).id, "skipped", 0)
    finally:
        engine.dispose()


def owner_settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "data_dir": tmp_path / "data",
        "redis_url": None,
        "market_speed": 60.0,
        "demo_start": "open",  # tests step from the open
        "secret_key": "test-secret-key",
        "broker_feed": False,  # the broker feed's REST calls would disturb order tests' call counts
    }
    values.update(overrides)
    return load_settings(**values)


def lease_for(settings: Settings) -> FileLease:
    engine = make_engine(settings.database_url)
    return FileLease(settings.data_dir, owner_scope(settings), engine).acquire()


def start_test_owner(settings: Settings, lease: FileLease | None = None, **parts: object) -> Owner:
    """Own the settings' scope with a file lease and start the owner (close it when done). ``parts``
    go to ``services.owner.build_owner`` (a market with its own clock, an adapter, a clock)."""
    lease = lease or lease_for(settings)
    return start_owner(settings, lease.engine, lease, **parts)


def owner_database(kind: str, tmp_dir: Path, mariadb_url: str | None) -> Iterator[str]:
    """A migrated, seeded database with the test users: SQLite in ``tmp_dir``, or a fresh MariaDB database
    on ``mariadb_url``'s server (dropped afterwards). A generator for module-scoped fixtures."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / 'owner.db'}"
        prepare_database(url)
        yield url
        return
    assert mariadb_url is not None
    for url in fresh_mariadb(mariadb_url, "o"):
        prepare_database(url)
        yield url
