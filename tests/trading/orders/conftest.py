"""Fixtures for the order gateway tests: a migrated database per module (SQLite and MariaDB)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support.owner import prepare_database


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, seeded database with the test users, shared by one module's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('gw') / 'gw.db'}"
        prepare_database(url)
        yield url
        return
    base = make_url(request.getfixturevalue("mariadb_server_url"))
    name = f"{base.database or 'test'}_o{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        prepare_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
