"""The alerts-health job: a component's level change becomes one event for the admins; no change, no
event; a healthy first look is not news."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update
from support.alerts import trader

from db.models import AlertDelivery
from db.repositories import alerts as repo
from db.repositories.users import add_user
from trading.config import load_settings
from trading.timeconv import now_naive_kst
from workers import alert_jobs


def test_health_changes_become_admin_alerts(sqlite_engine, tmp_path):
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None)
    admin = add_user(sqlite_engine, "boss", "test-password-1", role="admin")
    t = trader(sqlite_engine)
    assert alert_jobs.health_alerts(sqlite_engine, settings) == "health: no change"  # ok at first: no news

    dest = repo.add_destination(
        sqlite_engine, t.user_id, "webhook", {"name": "x", "url": "http://127.0.0.1:9/"}
    )
    t.fill()
    repo.fan_out(sqlite_engine)
    with sqlite_engine.begin() as conn:  # the receiver has been down for 10 minutes
        conn.execute(update(AlertDelivery.__table__).where(AlertDelivery.__table__.c.destination_id == dest)
                     .values(created_at=now_naive_kst() - timedelta(minutes=10)))  # fmt: skip
    assert alert_jobs.health_alerts(sqlite_engine, settings) == "health: health.system=degraded"
    assert alert_jobs.health_alerts(sqlite_engine, settings) == "health: no change"
    repo.remove_destination(sqlite_engine, t.user_id, dest)  # its deliveries end as failed
    assert alert_jobs.health_alerts(sqlite_engine, settings) == "health: health.system=ok"
    repo.fan_out(sqlite_engine)
    texts = [
        n.payload["text"] for n in repo.notifications(sqlite_engine, admin.id) if n.type == "health.system"
    ]
    assert texts == ["OK — ok", "DEGRADED — 2 alert deliveries pending for over 5 minutes"]
    assert not [n for n in repo.notifications(sqlite_engine, t.user_id) if n.type.startswith("health.")]


def test_broker_feed_and_redis_levels(sqlite_engine, tmp_path):
    kis = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None, broker="kis",
                        kis_app_key="k", kis_app_secret="s")  # fmt: skip
    alert_jobs.set_feed_status(
        lambda: {"at": time.time(), "ws": ["005930"], "connected": False, "ws_error": "EOF"}
    )
    try:
        assert alert_jobs.feed_level(kis) == ("degraded", "websocket down: EOF")
        assert alert_jobs.health_alerts(sqlite_engine, kis) == "health: health.feed=degraded"
        alert_jobs.set_feed_status(lambda: {"at": time.time(), "ws": ["005930"], "connected": True})
        assert alert_jobs.health_alerts(sqlite_engine, kis) == "health: health.feed=ok"
    finally:
        alert_jobs.set_feed_status(None)
    full = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    assert alert_jobs.system_level(sqlite_engine, full)[0] == "down"
    assert alert_jobs.recorder_level(full)[0] == "down"


def test_purge_keeps_recent_and_pending_events(db_engine):
    from sqlalchemy import update as upd

    from db.models import AlertEventRow

    t = trader(db_engine)
    dest = repo.add_destination(db_engine, t.user_id, "webhook", {"name": "x", "url": "http://127.0.0.1:9/"})
    t.fill()
    t.fill()
    repo.fan_out(db_engine)
    ev = AlertEventRow.__table__
    with db_engine.begin() as conn:  # all four events are 100 days old
        conn.execute(upd(ev).values(created_at=now_naive_kst() - timedelta(days=100)))
    repo.remove_destination(db_engine, t.user_id, dest)  # nothing pending any more
    t.fill()  # a new fill: kept
    settings = load_settings(database_url="sqlite://", alert_retention_days=90)
    assert alert_jobs.purge_alerts(db_engine, settings) == "alerts: 4 old events purged"
    repo.fan_out(db_engine)
    assert {n.type for n in repo.notifications(db_engine, t.user_id)} == {"order.accepted", "order.filled"}
    assert len(repo.notifications(db_engine, t.user_id)) == 2
