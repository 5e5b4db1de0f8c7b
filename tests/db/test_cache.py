"""db/cache.py against its real stores: Redis (full mode) and files under the data dir (embedded mode).

Each test changes the database behind the cache's back (plain SQL, no invalidation) to see that a read is
served from the store, then writes through the repositories to see the write invalidate it. The last tests
run the write in another process (the ``gslts`` CLI) and check this process sees it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from support.cli import run_for

from db import cache
from db.engine import make_engine
from db.repositories import backtests as runs
from db.repositories import reports as report_repo
from db.repositories import stocks as stocks_repo
from trading.config import Settings, load_settings
from trading.stocks import LISTING_PATH, read_listing

MAPPING = (("XLK", "IT", 1.0), ("SOXX", "SEMI", 1.0))


def _settings(tmp_path, redis_url: str | None) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'cache.db'}", data_dir=tmp_path / "data", redis_url=redis_url
    )


@pytest.fixture(params=["files", "redis"])
def store_settings(request, tmp_path) -> Settings:
    """The embedded store (files under the data dir) and the full-mode one (Redis)."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    return _settings(tmp_path, redis_url)


def _drop_keys(settings: Settings, pattern: str) -> None:
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        for key in client.scan_iter(match=pattern):
            client.delete(key)
        client.close()


@pytest.fixture
def cached(sqlite_engine: Engine, store_settings: Settings) -> Iterator[Engine]:
    """A SQLite database whose reads are cached in the store (Redis keys under a prefix of its own)."""
    prefix = f"gslts-test:{os.urandom(4).hex()}:"
    cache.attach(sqlite_engine, store_settings, key_prefix=prefix)
    yield sqlite_engine
    cache.detach(sqlite_engine)
    _drop_keys(store_settings, prefix + "*")


def _sql(engine: Engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _weights(rows) -> dict[tuple[str, str], float]:  # noqa: ANN001
    return {(m.etf, m.sector_code): m.weight for m in rows}


def test_the_mapping_is_cached_until_an_edit(cached):
    stocks_repo.upsert_sectors(cached)
    stocks_repo.seed_mapping(cached, MAPPING)
    assert _weights(report_repo.map_rows(cached))[("XLK", "IT")] == 1.0
    assert _weights(stocks_repo.sector_mapping(cached))[("XLK", "IT")] == 1.0

    _sql(cached, "UPDATE us_sector_map SET weight = 0.2 WHERE etf = 'SOXX'")  # behind the cache's back
    assert _weights(report_repo.map_rows(cached))[("SOXX", "SEMI")] == 1.0
    assert _weights(stocks_repo.sector_mapping(cached))[("SOXX", "SEMI")] == 1.0

    report_repo.set_mapping(cached, "XLK", "IT", weight=0.5, user="admin")  # invalidates both reads
    assert _weights(report_repo.map_rows(cached)) == {("XLK", "IT"): 0.5, ("SOXX", "SEMI"): 0.2}
    assert _weights(stocks_repo.sector_mapping(cached)) == {("XLK", "IT"): 0.5, ("SOXX", "SEMI"): 0.2}

    report_repo.remove_mapping(cached, "SOXX", "SEMI", user="admin")
    assert set(_weights(report_repo.map_rows(cached))) == {("XLK", "IT")}
    stocks_repo.seed_mapping(cached, MAPPING)  # the seed puts the row back
    assert set(_weights(stocks_repo.sector_mapping(cached))) == {("XLK", "IT"), ("SOXX", "SEMI")}


def _finished_run(engine: Engine, name: str) -> int:
    run_id = runs.create_run(engine, "ma_cross", {"fast": 5}, {"start": "2026-01-02"}, user="t", name=name)
    runs.claim_run(engine, run_id)
    runs.finish_run(engine, run_id, {"trades": 1}, {"equity": [["2026-01-02", 1]]})
    return run_id


def test_only_finished_runs_are_cached_and_a_delete_drops_them(cached):
    active = runs.create_run(cached, "ma_cross", {}, {}, name="active")
    assert runs.get_run(cached, active).status == "queued"
    _sql(cached, "UPDATE backtest_runs SET name = 'renamed' WHERE id = :id", id=active)
    assert runs.get_run(cached, active).name == "renamed"  # an active run is always read afresh

    done = _finished_run(cached, "first")
    assert runs.get_run(cached, done).result == {"equity": [["2026-01-02", 1]]}
    assert [r.name for r in runs.get_runs(cached, [done])] == ["first"]
    _sql(cached, "UPDATE backtest_runs SET name = 'changed' WHERE id = :id", id=done)
    assert runs.get_run(cached, done).name == "first"  # served from the store
    assert [r.name for r in runs.get_runs(cached, [done])] == ["first"]
    assert runs.get_runs(cached, [done, active])[1].name == "renamed"  # a list with an active run: not cached

    assert runs.delete_runs(cached, [done]) == 1
    assert runs.get_run(cached, done) is None
    again = _finished_run(cached, "second")  # SQLite may hand out the deleted id again
    assert runs.get_run(cached, again).name == "second"


def _report(day: str) -> dict:
    return {"session_date": day, "us_session_date": None, "data_source": "test", "picks": []}


def test_a_stored_report_invalidates_the_report_reads(cached):
    assert report_repo.report_dates(cached) == []
    report_repo.save_report(cached, _report("2026-11-30"))
    assert [d.isoformat() for d in report_repo.report_dates(cached)] == ["2026-11-30"]
    _sql(cached, "DELETE FROM sector_reports")
    assert len(report_repo.report_dates(cached)) == 1  # served from the store
    report_repo.save_report(cached, _report("2026-12-01"))
    assert [d.isoformat() for d in report_repo.report_dates(cached)] == ["2026-12-01"]


def _codes(engine: Engine) -> frozenset[str]:
    return frozenset(s.code for s in stocks_repo.all_stocks(engine))


def test_the_local_stock_master_follows_a_reseed(cached, monkeypatch):
    monkeypatch.setattr(cache, "LOCAL_RECHECK_S", 0.0)
    listing = read_listing(LISTING_PATH)[:20]
    stocks_repo.upsert_sectors(cached)
    stocks_repo.upsert_stocks(cached, listing)
    assert len(cache.local(cached, cache.Topic.STOCKS, _codes)) == 20
    _sql(cached, "DELETE FROM stocks WHERE code = :code", code=listing[0].code)
    assert listing[0].code in cache.local(cached, cache.Topic.STOCKS, _codes)  # the process keeps its copy
    assert stocks_repo.upsert_stocks(cached, listing) == (1, 0)  # the re-seed puts it back and invalidates
    _sql(cached, "DELETE FROM stocks WHERE code = :code", code=listing[1].code)
    assert listing[1].code not in cache.local(cached, cache.Topic.STOCKS, _codes)


def test_an_unattached_database_is_read_directly(sqlite_engine):
    stocks_repo.upsert_sectors(sqlite_engine)
    stocks_repo.seed_mapping(sqlite_engine, MAPPING)
    assert _weights(report_repo.map_rows(sqlite_engine))[("XLK", "IT")] == 1.0
    _sql(sqlite_engine, "UPDATE us_sector_map SET weight = 0.2")
    assert _weights(report_repo.map_rows(sqlite_engine))[("XLK", "IT")] == 0.2


def test_a_store_that_is_down_only_costs_the_cache(sqlite_engine, tmp_path, caplog):
    cache.attach(sqlite_engine, _settings(tmp_path, "redis://127.0.0.1:1/0"), key_prefix="gslts-test:down:")
    try:
        stocks_repo.upsert_sectors(sqlite_engine)
        stocks_repo.seed_mapping(sqlite_engine, MAPPING)  # the invalidation fails: logged, the write stands
        assert _weights(report_repo.map_rows(sqlite_engine))[("XLK", "IT")] == 1.0
        _sql(sqlite_engine, "UPDATE us_sector_map SET weight = 0.2")
        assert _weights(report_repo.map_rows(sqlite_engine))[("XLK", "IT")] == 0.2
        assert "read cache" in caplog.text
    finally:
        cache.detach(sqlite_engine)


# --- two processes: a CLI command invalidates what this process cached ------------------------------


def gslts(*args: str, settings: Settings) -> subprocess.CompletedProcess:
    return run_for(settings, *args)


@pytest.fixture
def deployment(store_settings: Settings) -> Iterator[tuple[Settings, Engine]]:
    """A migrated, seeded database of a deployment, cached here with the deployment's own key prefix."""
    from db.migrate import upgrade
    from db.seed import seed

    upgrade(store_settings.database_url)
    engine = make_engine(store_settings.database_url)
    seed(engine)
    cache.attach(engine, store_settings)
    yield store_settings, engine
    cache.detach(engine)
    engine.dispose()
    _drop_keys(store_settings, f"{cache.KEY_PREFIX}*{cache._db_id(engine.url)}*")


def test_a_cli_mapping_edit_reaches_this_process(deployment):
    settings, engine = deployment
    before = _weights(report_repo.map_rows(engine))
    _sql(engine, "UPDATE us_sector_map SET weight = 0.2 WHERE etf = 'XLE'")
    assert _weights(report_repo.map_rows(engine)) == before  # cached here

    gslts("sectors", "set", "XLK", "IT", "--weight", "0.35", settings=settings)
    after = _weights(stocks_repo.sector_mapping(engine))
    assert after[("XLK", "IT")] == 0.35
    assert all(w == 0.2 for (etf, _), w in after.items() if etf == "XLE")  # read afresh

    gslts("sectors", "remove", "XLK", "IT", settings=settings)
    assert ("XLK", "IT") not in _weights(report_repo.map_rows(engine))


def test_a_cli_reseed_reaches_this_process(deployment, monkeypatch):
    settings, engine = deployment
    monkeypatch.setattr(cache, "LOCAL_RECHECK_S", 0.0)
    code = "005930"
    _sql(engine, "DELETE FROM stocks WHERE code = :code", code=code)
    assert code not in cache.local(engine, cache.Topic.STOCKS, _codes)
    assert "stocks" in gslts("db", "seed", settings=settings).stdout
    assert code in cache.local(engine, cache.Topic.STOCKS, _codes)


def test_the_file_store_lives_under_the_data_dir(tmp_path, sqlite_engine):
    settings = _settings(tmp_path, None)
    cache.attach(sqlite_engine, settings)
    try:
        stocks_repo.upsert_sectors(sqlite_engine)
        report_repo.map_rows(sqlite_engine)
        files = list((settings.data_dir / "cache").iterdir())
        assert files and all(f.stat().st_mode & 0o077 == 0 for f in files)  # 0600, like the other secrets
    finally:
        cache.detach(sqlite_engine)
