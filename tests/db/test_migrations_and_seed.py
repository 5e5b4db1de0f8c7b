"""Migrations and seed run unchanged on SQLite and on MariaDB."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Base
from db.repositories import stocks as repo
from db.seed import seed


@pytest.fixture(params=["sqlite", "mariadb"])
def migrated_url(request):
    url = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    return url


def test_upgrade_creates_every_table_and_is_idempotent(migrated_url):
    upgrade(migrated_url)  # second run is a no-op
    engine = make_engine(migrated_url)
    assert current_revision(engine) == head_revision(migrated_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_tick_data_is_range_partitioned_on_mariadb(mariadb_url):
    upgrade(mariadb_url)
    engine = make_engine(mariadb_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT partition_name, partition_method, partition_expression FROM information_schema.partitions "
                "WHERE table_schema = DATABASE() AND table_name = 'tick_data'"
            )
        ).all()
    engine.dispose()
    assert rows and rows[0][1] == "RANGE" and "tick_time" in rows[0][2]


def test_seed_loads_the_master_once(migrated_url):
    engine = make_engine(migrated_url)
    first = seed(engine)
    assert first.stocks_total == 2555 and first.stocks_inserted == 2555
    assert first.mapping_inserted == 14 and first.changed
    second = seed(engine)
    assert not second.changed and second.stocks_total == 2555
    samsung = repo.get_stock(engine, "005930")
    assert samsung.name_ko == "삼성전자" and samsung.sector_code == "SEMI" and samsung.market == "KOSPI"
    mapping = {(m.etf, m.sector_code) for m in repo.sector_mapping(engine)}
    assert {("SOXX", "SEMI"), ("SMH", "SEMI"), ("XLK", "IT"), ("XLF", "FIN")} <= mapping
    engine.dispose()


def test_seed_keeps_admin_edits_to_the_mapping(sqlite_url):
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE us_sector_map SET weight = 0.25 WHERE etf = 'XLF'"))
    assert not seed(engine).changed
    assert next(m.weight for m in repo.sector_mapping(engine) if m.etf == "XLF") == 0.25
    engine.dispose()
