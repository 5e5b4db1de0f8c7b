"""The ``alerts-health`` interval job: the recorder's, the broker feed's and the system's health, turned into
alert events when their level changes (ok → degraded → down and back), for the admins.

Levels: ``ok`` | ``degraded`` | ``down``. The level last alerted is the newest event of the type, so a
restart neither repeats an alert nor misses a change. The first observation of a healthy component is not
news (no event); the first of an unhealthy one is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from db.engine import reachable
from db.repositories import alerts as repo
from trading.alerts.events import AlertEvent, EventType
from trading.config import Settings
from trading.timeconv import now_naive_kst

LEVELS = {"green": "ok", "amber": "degraded", "red": "down"}
_feed_status: Callable[[], dict | None] | None = None  # embedded KIS/Kiwoom: the owner's feed status


def set_feed_status(reader: Callable[[], dict | None] | None) -> None:
    """Embedded mode: where the broker feed's status is read (the app's market data)."""
    global _feed_status
    _feed_status = reader


def recorder_level(settings: Settings) -> tuple[str, str] | None:
    """(level, reason) of the tick recorder; None when none runs in embedded mode (it is optional)."""
    from workers.recorder.health import assess
    from workers.recorder.metrics import load_health

    try:
        level, reason, _ = assess(load_health(settings))
    except Exception as err:  # noqa: BLE001 - Redis away: the recorder's health is unknown
        return "down", f"health unreadable: {type(err).__name__}"
    if settings.embedded and reason == "no recorder":
        return None
    return LEVELS[level], reason


def feed_level(settings: Settings) -> tuple[str, str] | None:
    """(level, reason) of KIS/Kiwoom's market-data feed; None for the paper market."""
    if settings.broker == "paper" or not settings.broker_feed:
        return None
    try:
        if settings.embedded:
            status = _feed_status() if _feed_status is not None else None
        else:
            from services.market_cache import RedisMarketCache

            status = RedisMarketCache(settings.redis_url, feed_expected=True).feed_status()
    except Exception as err:  # noqa: BLE001
        return "down", f"feed status unreadable: {type(err).__name__}"
    if not status or time.time() - float(status.get("at", 0)) > 10:
        return "down", "no status from the market-data feed"
    if status.get("ws") and not status.get("connected"):
        return "degraded", f"websocket down: {status.get('ws_error') or 'reconnecting'}"
    return "ok", "live"


def system_level(engine: Engine, settings: Settings) -> tuple[str, str]:
    """Redis (full mode) and the alert backlog (deliveries pending for over 5 minutes)."""
    if not settings.embedded:
        import redis

        try:
            redis.Redis.from_url(settings.redis_url, socket_timeout=2).ping()  # type: ignore[arg-type]
        except Exception as err:  # noqa: BLE001
            return "down", f"Redis unreachable: {type(err).__name__}"
    stuck = repo.stuck_deliveries(engine, older_than_s=300)
    if stuck:
        return "degraded", f"{stuck} alert deliveries pending for over 5 minutes"
    return "ok", "ok"


def health_alerts(engine: Engine, settings: Settings) -> str:
    """Check each component; write an event for each whose level changed since its last event."""
    if not reachable(engine):
        return "database unreachable: no health event can be stored"
    checks: dict[EventType, tuple[str, str] | None] = {
        EventType.RECORDER_HEALTH: recorder_level(settings),
        EventType.FEED_HEALTH: feed_level(settings),
        EventType.SYSTEM_HEALTH: system_level(engine, settings),
    }
    changed = []
    for kind, seen in checks.items():
        if seen is None:
            continue
        level, reason = seen
        last = repo.last_health_level(engine, kind)
        if level == last or (last is None and level == "ok"):
            continue
        now = now_naive_kst()
        payload: dict[str, Any] = {"level": level, "previous": last, "reason": reason,
                                   "text": f"{level.upper()} — {reason}"}  # fmt: skip
        repo.add_event(engine, AlertEvent(kind, f"{kind}:{now:%Y%m%d%H%M%S%f}", now, payload))
        changed.append(f"{kind}={level}")
    return "health: " + (", ".join(changed) if changed else "no change")


def purge_alerts(engine: Engine, settings: Settings) -> str:
    """The daily ``alerts-purge`` job: events and deliveries older than ``ALERT_RETENTION_DAYS``."""
    n = repo.purge(engine, settings.alert_retention_days)
    return f"alerts: {n} old events purged"
