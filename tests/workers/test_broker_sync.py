"""Broker sync against the fake KIS and Kiwoom servers and a real database (SQLite and MariaDB).

Orders are placed through the adapters, filled and cancelled on the fakes, then reconciled into
the accounts/orders/fills/positions tables; the job runs through the embedded scheduler and Celery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom

from db.repositories.broker_sync import BrokerSyncStore, SyncedAccount
from trading.brokers.common.rate_limit import LocalRateLimiter
from trading.brokers.common.token_store import FileTokenStore
from trading.brokers.errors import AuthError, BrokerUnavailable, RateLimited
from trading.brokers.sync import (
    BrokerSnapshot,
    FillTotals,
    StoredAccount,
    StoredOrder,
    db_order_id,
    plan_sync,
)
from trading.config import Settings, load_settings
from trading.domain import KST, Balance, Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from workers import broker_sync
from workers.broker_sync import (
    account_name,
    close_brokers,
    in_sync_window,
    masked,
    reconcile,
    run_lock,
    sync_broker,
)
from workers.embedded import EmbeddedScheduler
from workers.schedule import JOBS, JobFailed, job


@dataclass
class Venue:
    """One fake broker, an adapter bound to it and the settings that point the job at it."""

    name: str
    fake: Any
    broker: Any
    settings: Settings

    @property
    def account(self) -> str:
        return account_name(self.settings)

    def place(self, code: str, side: Side, qty: int, price: int) -> str:
        return self.broker.place_order(OrderRequest(code, side, qty, OrderType.LIMIT, price)).order_id

    def fail_orders(self, n: int = 100) -> None:
        """The order inquiries answer HTTP 500 (BrokerUnavailable)."""
        if self.name == "kis":
            self.fake.fail_paths["inquire-daily-ccld"] = n
        else:
            self.fake.fail_api.update({"ka10075": n, "ka10076": n})

    def fail_balance(self, n: int = 100) -> None:
        if self.name == "kis":
            self.fake.fail_paths["inquire-balance"] = n
        else:
            self.fake.fail_api["kt00018"] = n

    def heal(self) -> None:
        getattr(self.fake, "fail_paths" if self.name == "kis" else "fail_api").clear()


def _settings(name: str, fake: Any, tmp_path: Path, **overrides: object) -> Settings:
    common: dict[str, object] = {
        "broker": name,
        "broker_env": "mock",
        "data_dir": tmp_path,
        "redis_url": None,
        "database_url": f"sqlite:///{tmp_path / 'test.db'}",
        "broker_sync_hours": "always",
    }
    if name == "kis":
        common |= {
            "kis_app_key": "mock-key",
            "kis_app_secret": "mock-secret",
            "kis_account": "12345678-01",
            "kis_rest_url": fake.rest_url,
            "kis_ws_url": fake.ws_url,
        }
    else:
        common |= {
            "kiwoom_app_key": "mock-key",
            "kiwoom_secret_key": "mock-secret",
            "kiwoom_rest_url": fake.rest_url,
            "kiwoom_ws_url": fake.ws_url,
        }
    common.update(overrides)
    return load_settings(**common)


def _venue(name: str, tmp_path: Path) -> Iterator[Venue]:
    fake = (FakeKis if name == "kis" else FakeKiwoom)("mock").start()
    settings = _settings(name, fake, tmp_path)
    opts: dict[str, object] = {"rate_limit_backoff_s": 0.05, "rate_limit_retries": 1}
    if name == "kis":
        from trading.brokers.kis import KisBroker

        opts["rate_per_s"] = 50
        adapter = KisBroker.from_settings(
            settings, FileTokenStore(tmp_path / "tokens"), LocalRateLimiter(), **opts
        )
    else:
        from trading.brokers.kiwoom import KiwoomBroker

        adapter = KiwoomBroker.from_settings(
            settings, FileTokenStore(tmp_path / "tokens"), LocalRateLimiter(), **opts
        )
    try:
        yield Venue(name, fake, adapter, settings)
    finally:
        adapter.close()
        close_brokers()
        fake.stop()


@pytest.fixture(params=["kis", "kiwoom"])
def venue(request, tmp_path) -> Iterator[Venue]:
    yield from _venue(request.param, tmp_path)


@pytest.fixture
def kis_venue(tmp_path) -> Iterator[Venue]:
    yield from _venue("kis", tmp_path)


def _fills_by_order(acc: SyncedAccount) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for f in acc.fills:
        q, a, c = out.get(f.order_id, (0, 0, 0))
        out[f.order_id] = (q + f.qty, a + f.price * f.qty, c + f.commission)
    return out


# --- the reconcile against both fakes and both databases -----------------------------------------


def test_reconcile_follows_the_broker_and_is_idempotent(venue: Venue, db_engine, caplog):
    caplog.set_level(logging.INFO, logger="workers.broker_sync")
    store = BrokerSyncStore(db_engine)
    a = venue.place("000660", Side.BUY, 5, 179_000)  # rests: below 180,000
    b = venue.place("005930", Side.SELL, 10, 71_000)  # rests: above 70,000 (the 10 shares held)
    c = venue.place("035720", Side.BUY, 20, 44_000)  # rests; cancelled later

    s1 = reconcile(venue.broker, db_engine, venue.account)
    assert (s1.new_orders, s1.changed_orders, s1.new_fills, s1.positions) == (3, 0, 0, 1)
    acc = store.load(venue.account)
    assert acc is not None and acc.broker == venue.name
    assert acc.name == ("kis-mock-12345678-01" if venue.name == "kis" else venue.account)
    assert acc.cash == acc.initial_cash == 50_000_000
    assert {o.broker_order_id: (o.status, o.qty, o.filled_qty) for o in acc.orders} == {
        a: (OrderStatus.OPEN, 5, 0),
        b: (OrderStatus.OPEN, 10, 0),
        c: (OrderStatus.OPEN, 20, 0),
    }
    assert [(p.code, p.qty, p.cost) for p in acc.positions] == [("005930", 10, 650_000)]
    assert acc.fills == ()

    venue.fake.execute(a, 2, 179_000)  # partial
    s2 = reconcile(venue.broker, db_engine, venue.account)
    assert (s2.new_orders, s2.changed_orders, s2.new_fills) == (0, 1, 1)
    assert (s2.positions, s2.positions_changed, s2.cash, s2.cash_changed) == (2, 1, 49_642_000, True)
    acc = store.load(venue.account)
    oa = next(o for o in acc.orders if o.broker_order_id == a)
    assert (oa.status, oa.filled_qty, oa.filled_amount) == (OrderStatus.PARTIAL, 2, 358_000)
    assert [(f.order_id, f.qty, f.price) for f in acc.fills] == [(oa.order_id, 2, 179_000)]
    assert acc.cash == 49_642_000
    assert ("000660", 2, 358_000) in [(p.code, p.qty, p.cost) for p in acc.positions]

    again = reconcile(venue.broker, db_engine, venue.account)
    assert not again.changed and again.notes == ()
    assert store.load(venue.account) == acc  # nothing at all changed, not even a timestamp

    venue.fake.execute(a, 3, 178_000)  # now filled: 892,000 for 5 shares
    venue.fake.execute(b, 10, 71_000)  # sells every share of 005930
    venue.broker.cancel_order(c)
    caplog.clear()
    s4 = reconcile(venue.broker, db_engine, venue.account)
    assert (s4.new_orders, s4.changed_orders, s4.new_fills) == (0, 3, 2)
    assert (s4.positions, s4.positions_changed, s4.cash) == (1, 2, 49_818_000)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"order {a}: the database had it partial 2/5, the broker says filled 5/5" in logged
    assert f"order {c}: the database had it open 0/20, the broker says cancelled 0/20" in logged
    assert "position 005930: 10 shares in the database, none at the broker" in logged

    final = store.load(venue.account)
    status = {o.broker_order_id: (o.status, o.filled_qty, o.filled_amount) for o in final.orders}
    assert status == {
        a: (OrderStatus.FILLED, 5, 892_000),
        b: (OrderStatus.FILLED, 10, 710_000),
        c: (OrderStatus.CANCELLED, 0, 0),
    }
    ids = {o.broker_order_id: o.order_id for o in final.orders}
    sums = _fills_by_order(final)
    assert {k: v[:2] for k, v in sums.items()} == {ids[a]: (5, 892_000), ids[b]: (10, 710_000)}
    assert [(f.qty, f.price) for f in final.fills if f.order_id == ids[a]] == [(2, 179_000), (3, 178_000)]
    if venue.name == "kiwoom":  # Kiwoom reports fees: the ledger adds up to the broker's totals
        assert sums[ids[a]][2] == 892_000 * 15 // 100_000 and sums[ids[b]][2] == 710_000 * 15 // 100_000
    assert [(p.code, p.qty, p.cost) for p in final.positions] == [("000660", 5, 892_000)]
    assert final.cash == 49_818_000

    last = reconcile(venue.broker, db_engine, venue.account)
    assert not last.changed
    assert store.load(venue.account) == final
    assert len({f.fill_id for f in final.fills}) == len(final.fills) == 3


def test_broker_errors_write_nothing(venue: Venue, sqlite_engine):
    store = BrokerSyncStore(sqlite_engine)
    a = venue.place("000660", Side.BUY, 5, 179_000)
    reconcile(venue.broker, sqlite_engine, venue.account)
    before = store.load(venue.account)
    venue.fake.execute(a, 5, 179_000)
    venue.place("035720", Side.BUY, 1, 44_000)

    venue.fail_balance()  # orders and fills answer; the balance, read last, does not
    with pytest.raises(BrokerUnavailable):
        reconcile(venue.broker, sqlite_engine, venue.account)
    assert store.load(venue.account) == before  # no new order, no fill, no position, same cash

    venue.heal()
    venue.fail_orders()
    with pytest.raises(BrokerUnavailable):
        reconcile(venue.broker, sqlite_engine, venue.account)
    assert store.load(venue.account) == before

    venue.heal()
    after = reconcile(venue.broker, sqlite_engine, venue.account)
    assert (after.new_orders, after.changed_orders, after.new_fills) == (1, 1, 1)


def test_no_account_row_when_the_first_sync_fails(venue: Venue, sqlite_engine):
    venue.fail_orders()
    with pytest.raises(BrokerUnavailable):
        reconcile(venue.broker, sqlite_engine, venue.account)
    assert BrokerSyncStore(sqlite_engine).load(venue.account) is None


def test_rate_limit_and_auth_errors_fail_the_job(tmp_path, sqlite_engine, caplog):
    caplog.set_level(logging.DEBUG, logger="workers.broker_sync")
    kis = FakeKis("mock").start()
    kiwoom = FakeKiwoom("mock", other_env_keys={"real-key"}).start()
    try:
        s_kis = _settings("kis", kis, tmp_path / "kis")
        kis.rate_limit_next = 1000  # every TR answers EGW00201
        for _ in range(2):
            with pytest.raises(JobFailed, match="rate limit") as info:
                _run_fast(sync_broker, sqlite_engine, s_kis)
            assert isinstance(info.value.__cause__, RateLimited)
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len([w for w in warnings if w.startswith("broker sync kis-")]) == 1  # once, then debug
        assert BrokerSyncStore(sqlite_engine).load(account_name(s_kis)) is None
        kis.rate_limit_next = 0
        assert sync_broker(sqlite_engine, s_kis).startswith("kis-mock-******78-01: ")
        assert "broker sync kis-mock-******78-01: the broker answers again" in caplog.text

        # A key of the other environment: AuthError at token issuance.
        s_kw = _settings("kiwoom", kiwoom, tmp_path / "kiwoom", kiwoom_app_key="real-key",
                         kiwoom_secret_key="real-secret")  # fmt: skip
        with pytest.raises(JobFailed, match="Kiwoom rejected the key") as info:
            sync_broker(sqlite_engine, s_kw)
        assert isinstance(info.value.__cause__, AuthError)
        assert BrokerSyncStore(sqlite_engine).load(account_name(s_kw)) is None
        text = caplog.text
        assert "mock-secret" not in text and "real-secret" not in text and "real-key" not in text
        assert "12345678" not in text
    finally:
        close_brokers()
        kis.stop()
        kiwoom.stop()


def _run_fast(fn, engine, settings):  # noqa: ANN001, ANN202
    """Run the job with the adapter's rate-limit retries shortened (the real adapter, its options)."""
    broker = broker_sync._broker(settings)
    broker.rest.opts.rate_limit_retries = 1
    broker.rest.opts.rate_limit_backoff_s = 0.01
    return fn(engine, settings)


def test_an_active_order_of_an_earlier_day_expires(kis_venue: Venue, sqlite_engine, caplog):
    caplog.set_level(logging.INFO, logger="workers.broker_sync")
    store = BrokerSyncStore(sqlite_engine)
    yesterday = datetime.now(KST) - timedelta(days=1)
    old = Order("0000009999", "005380", Side.BUY, OrderType.LIMIT, 230_000, 3, created_at=yesterday)
    store.apply(
        kis_venue.account,
        "kis",
        BrokerSnapshot(yesterday.date(), yesterday, (old,), (), Balance(50_000_000, 50_000_000)),
    )
    summary = reconcile(kis_venue.broker, sqlite_engine, kis_venue.account)
    assert summary.expired_orders == 1
    acc = store.load(kis_venue.account)
    assert [(o.broker_order_id, o.status) for o in acc.orders] == [("0000009999", OrderStatus.CANCELLED)]
    assert "KRX day orders end with their session, marked cancelled" in caplog.text
    assert not reconcile(kis_venue.broker, sqlite_engine, kis_venue.account).changed


def test_plan_fill_price_is_the_amount_added_per_share():
    day = date(2026, 11, 23)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=KST)
    order = Order("77", "005930", Side.BUY, OrderType.LIMIT, 70_000, 3, 3, 209_999, OrderStatus.FILLED)
    fill = Fill("77", "77", "005930", Side.BUY, 70_000, 3, 0, 0, now)  # the broker's rounded average
    oid = db_order_id(1, day, "77")
    stored = StoredAccount(
        1, 0, [StoredOrder(oid, "77", day, OrderStatus.PARTIAL, 3, 70_000, 1, 70_000)],
        {oid: FillTotals(1, 70_000)},
    )  # fmt: skip
    plan = plan_sync(BrokerSnapshot(day, now, (order,), (fill,), Balance(0, 0)), stored)
    (new,) = plan.new_fills
    assert (new.qty, new.price, new.fill_id) == (2, 70_000, f"{oid}/3")  # 139,999 / 2 rounds to 70,000
    assert plan.cash is None and plan.changed_orders[0].order.status == OrderStatus.FILLED


# --- the job: skip rules, window, locks ---------------------------------------------------------


def test_paper_broker_is_skipped(sqlite_engine, tmp_path):
    settings = load_settings(broker="paper", data_dir=tmp_path, redis_url=None)
    assert sync_broker(sqlite_engine, settings) == "skipped: paper broker"
    assert not job("broker-sync").applies(settings)
    assert "broker-sync" not in [j.name for j in EmbeddedScheduler(sqlite_engine, settings).interval_jobs()]


def test_sync_window_is_krx_days_0800_to_1830():
    mon = date(2026, 11, 23)
    at = lambda d, h, m: datetime(d.year, d.month, d.day, h, m, tzinfo=KST)  # noqa: E731
    assert not in_sync_window(at(mon, 7, 59))
    assert in_sync_window(at(mon, 8, 0))
    assert in_sync_window(at(mon, 12, 0))
    assert in_sync_window(at(mon, 18, 29))
    assert not in_sync_window(at(mon, 18, 30))
    assert not in_sync_window(at(date(2026, 11, 28), 12, 0))  # Saturday
    assert in_sync_window(datetime(2026, 11, 23, 0, 0, tzinfo=KST) + timedelta(hours=9))


def test_outside_the_window_the_sync_runs_once_per_idle_interval(tmp_path):
    settings = load_settings(data_dir=tmp_path, redis_url=None, broker_sync_idle_seconds=900)
    name = f"test-idle-{time.monotonic_ns()}"
    assert broker_sync._idle_due(settings, name) is True
    assert broker_sync._idle_due(settings, name) is False
    off = load_settings(data_dir=tmp_path, redis_url=None, broker_sync_idle_seconds=0)
    assert broker_sync._idle_due(off, name + "-off") is False


def test_idle_slot_is_shared_through_redis(tmp_path, redis_url, redis_client, key_prefix):
    settings = load_settings(data_dir=tmp_path, redis_url=redis_url, broker_sync_idle_seconds=900)
    name = key_prefix + "acct"
    try:
        assert broker_sync._idle_due(settings, name) is True
        assert broker_sync._idle_due(settings, name) is False
        assert 0 < redis_client.ttl(f"gslts:broker-sync:idle:{name}") <= 900
    finally:
        redis_client.delete(f"gslts:broker-sync:idle:{name}")


def test_overlapping_runs_are_refused_in_process(kis_venue: Venue, sqlite_engine):
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with run_lock(kis_venue.settings, kis_venue.account) as ok:
            assert ok
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    try:
        assert (
            sync_broker(sqlite_engine, kis_venue.settings)
            == "skipped: a sync of this account is already running"
        )
        assert BrokerSyncStore(sqlite_engine).load(kis_venue.account) is None
    finally:
        release.set()
        t.join(5)
    assert sync_broker(sqlite_engine, kis_venue.settings).startswith("kis-mock-******78-01: ")
    assert BrokerSyncStore(sqlite_engine).load(kis_venue.account) is not None


def test_overlapping_runs_are_refused_across_processes_with_redis(
    kis_venue: Venue, sqlite_engine, redis_url, redis_client
):
    settings = kis_venue.settings.model_copy(update={"redis_url": redis_url})
    account = f"{kis_venue.account}-{time.monotonic_ns()}"
    key = f"gslts:lock:broker-sync:{account}"
    try:
        with run_lock(settings, account) as first:
            assert first and redis_client.exists(key)
            with run_lock(settings, account) as second:
                assert not second
        assert not redis_client.exists(key)
        with run_lock(settings, account) as again:
            assert again
        # Another process holds the real account's lock: the job skips without touching the broker.
        real_key = f"gslts:lock:broker-sync:{kis_venue.account}"
        redis_client.set(real_key, "other-process", ex=30)
        assert sync_broker(sqlite_engine, settings) == "skipped: a sync of this account is already running"
        assert kis_venue.fake.calls == []
    finally:
        redis_client.delete(key, f"gslts:lock:broker-sync:{kis_venue.account}")


def test_account_names_and_masking(tmp_path):
    s = load_settings(
        broker="kis", kis_app_key="k", kis_app_secret="s", kis_account="12345678-01", data_dir=tmp_path
    )
    assert account_name(s) == "kis-mock-12345678-01"
    assert masked(account_name(s)) == "kis-mock-******78-01"
    k = load_settings(
        broker="kiwoom", kiwoom_app_key="secret-app-key", kiwoom_secret_key="x", broker_env="real"
    )
    name = account_name(k)
    assert name.startswith("kiwoom-real-key-") and "secret-app-key" not in name and masked(name) == name


# --- scheduling ---------------------------------------------------------------------------------


def test_embedded_scheduler_runs_the_interval_job(kis_venue: Venue, sqlite_engine):
    settings = kis_venue.settings.model_copy(update={"broker_sync_seconds": 2})
    sched = EmbeddedScheduler(sqlite_engine, settings)
    assert [j.name for j in sched.interval_jobs()] == ["backtest-reaper", "broker-sync", "alerts-health"]
    assert "broker-sync" not in [j.name for j in sched.due(datetime(2026, 11, 23, 23, 0, tzinfo=KST))]
    a = kis_venue.place("000660", Side.BUY, 5, 179_000)
    first = sched.run_interval(now=100.0)
    assert "orders +1" in first["broker-sync"]
    kis_venue.fake.execute(a, 5, 179_000)
    assert sched.run_interval(now=101.0) == {}  # not due before 2 s
    assert "fills +1" in sched.run_interval(now=102.0)["broker-sync"]
    kis_venue.fail_orders()
    assert sched.run_interval(now=104.0)["broker-sync"].startswith("failed: broker sync kis-mock-")


def test_embedded_scheduler_thread_keeps_the_database_in_sync(kis_venue: Venue, sqlite_engine):
    settings = kis_venue.settings.model_copy(update={"broker_sync_seconds": 1})
    store = BrokerSyncStore(sqlite_engine)
    a = kis_venue.place("000660", Side.BUY, 5, 179_000)
    sched = EmbeddedScheduler(sqlite_engine, settings, jobs=tuple(j for j in JOBS if j.name == "broker-sync"))
    sched.start()
    try:
        kis_venue.fake.execute(a, 5, 179_000)
        deadline = time.monotonic() + 15
        acc = None
        while time.monotonic() < deadline:
            acc = store.load(kis_venue.account)
            if acc and acc.fills:
                break
            time.sleep(0.2)
        assert acc is not None and [(f.qty, f.price) for f in acc.fills] == [(5, 179_000)]
        assert [(p.code, p.qty) for p in acc.positions] == [("000660", 5), ("005930", 10)]
    finally:
        sched.stop()


def test_celery_beat_has_the_interval_entry_and_the_task_runs_it(kis_venue: Venue, sqlite_engine):
    from celery.schedules import crontab

    from workers.celery_app import make_celery

    paper = make_celery(load_settings(broker="paper", redis_url="redis://127.0.0.1:6379/15"))
    assert "broker-sync" not in paper.conf.beat_schedule

    settings = kis_venue.settings.model_copy(update={"broker_sync_seconds": 3})
    app = make_celery(settings)
    entry = app.conf.beat_schedule["broker-sync"]
    assert entry["schedule"] == timedelta(seconds=3) and entry["options"] == {"expires": 3.0}
    assert entry["args"] == ["broker-sync"]
    assert isinstance(app.conf.beat_schedule["morning-report"]["schedule"], crontab)
    default = make_celery(kis_venue.settings.model_copy(update={"broker_sync_seconds": 5}))
    assert default.conf.beat_schedule["broker-sync"]["schedule"] == timedelta(seconds=5)
    off = make_celery(kis_venue.settings.model_copy(update={"broker_sync_seconds": 0}))
    assert "broker-sync" not in off.conf.beat_schedule

    kis_venue.place("000660", Side.BUY, 5, 179_000)
    result = app.tasks["gslts.run_job"].apply(args=["broker-sync"])
    assert result.successful() and "orders +1" in result.get()
    assert len(BrokerSyncStore(sqlite_engine).load(kis_venue.account).orders) == 1
    kis_venue.fail_balance()
    failed = app.tasks["gslts.run_job"].apply(args=["broker-sync"])
    assert failed.failed() and isinstance(failed.result, JobFailed)
