"""Fixtures for the account-owner tests (bots): a migrated database per module (SQLite and MariaDB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.owner import owner_database


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, seeded database with the test users, shared by one module's tests."""
    mariadb = request.getfixturevalue("mariadb_server_url") if request.param == "mariadb" else None
    yield from owner_database(request.param, tmp_path_factory.mktemp("gw"), mariadb)
