"""Recorder health records: written every second, read by the status page, badge and /metrics.

Full mode: one Redis hash (``gslts:recorder:health``), one field per section (``writer``, ``feed``),
each a JSON object with ``updated`` (epoch seconds), and a copy in ``<data_dir>/recorder/health.json``
that readers use while Redis is away (same host). Embedded mode: ``<data_dir>/recorder/health.json``
with the same sections, replaced atomically.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

HEALTH_KEY = "gslts:recorder:health"
HEALTH_FILE = "recorder/health.json"


class HealthStore(Protocol):
    def write(self, section: str, data: dict[str, Any]) -> None: ...
    def read(self) -> dict[str, dict[str, Any]]: ...


class RedisHealthStore:
    def __init__(self, client: Any, key: str = HEALTH_KEY, ttl_s: int = 3600):
        self.client = client
        self.key = key
        self.ttl_s = ttl_s

    def write(self, section: str, data: dict[str, Any]) -> None:
        pipe = self.client.pipeline()
        pipe.hset(self.key, section, json.dumps(data, default=str))
        pipe.expire(self.key, self.ttl_s)
        pipe.execute()

    def read(self) -> dict[str, dict[str, Any]]:
        out = {}
        for k, v in (self.client.hgetall(self.key) or {}).items():
            try:
                out[k.decode() if isinstance(k, bytes) else k] = json.loads(v)
            except ValueError:
                continue
        return out


class FileHealthStore:
    """A JSON file; sections written by several threads of one process are merged."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def write(self, section: str, data: dict[str, Any]) -> None:
        with self._lock:
            cur = self.read()
            cur[section] = data
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cur, default=str))
            os.replace(tmp, self.path)

    def read(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}


class FallbackHealthStore:
    """Full mode: the Redis hash, plus a copy in the data dir's JSON file that is read when Redis is
    away, so a page on the recorder's host still shows that the recorder waits for Redis."""

    def __init__(self, primary: RedisHealthStore, fallback: FileHealthStore):
        self.primary = primary
        self.fallback = fallback

    def write(self, section: str, data: dict[str, Any]) -> None:
        try:
            self.fallback.write(section, data)
        except OSError as err:
            log.debug("health file not written: %s", err)
        self.primary.write(section, data)

    def read(self) -> dict[str, dict[str, Any]]:
        try:
            return self.primary.read()
        except Exception:  # noqa: BLE001 - Redis away: the local copy
            return self.fallback.read()


def store_for(redis_url: str | None, data_dir: str | Path, key: str = HEALTH_KEY) -> HealthStore:
    """Redis hash (with a local file copy) in full mode, JSON file under ``data_dir`` in embedded mode."""
    name = HEALTH_FILE if key == HEALTH_KEY else f"recorder/health-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}.json"
    file_store = FileHealthStore(Path(data_dir) / name)
    if redis_url:
        from workers.recorder.stream import redis_client

        return FallbackHealthStore(
            RedisHealthStore(redis_client(redis_url, socket_timeout=2), key), file_store
        )
    return file_store


class HealthPublisher:
    """Writes ``section`` = ``source()`` every ``interval_s`` on a daemon thread."""

    def __init__(
        self, store: HealthStore, section: str, source: Callable[[], dict[str, Any]], interval_s: float = 1.0
    ):
        self.store = store
        self.section = section
        self.source = source
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self) -> None:
        try:
            data = dict(self.source())
            data["updated"] = time.time()
            data["pid"] = os.getpid()
            self.store.write(self.section, data)
        except Exception as err:  # noqa: BLE001 - health must never take the recorder down
            log.debug("health publish failed: %s", err)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval_s):
                self.publish()

        self.publish()
        self._thread = threading.Thread(target=loop, name=f"health-{self.section}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self.publish()


Level = str  # "green" | "amber" | "red"
COLORS = {"green": "success", "amber": "warning", "red": "danger"}  # Bootstrap colours per level


def waiting_for(health: dict[str, dict[str, Any]], now: float | None = None) -> str | None:
    """What the writer waits for ("redis", "database"), from a fresh health record; else None."""
    w = health.get("writer") or {}
    if not w or (now or time.time()) - float(w.get("updated", 0)) > 10:
        return None
    return w.get("waiting_for") or None


def assess(health: dict[str, dict[str, Any]], now: float | None = None) -> tuple[Level, str, float | None]:
    """(level, reason, lag seconds) for the badge: red when stale/down, amber when lagging."""
    now = now or time.time()
    w = health.get("writer")
    if not w:
        return "red", "no recorder", None
    age = now - float(w.get("updated", 0))
    lag_s = float(w.get("lag_ms") or 0) / 1000.0
    if age > 10:
        return "red", f"stale {age:.0f}s", lag_s
    waiting = w.get("waiting_for")
    if waiting:
        return "red", f"waiting for {waiting}", lag_s
    if not w.get("db_up", True):
        return "red", "database down", lag_s
    f = health.get("feed") or {}
    if f and now - float(f.get("updated", 0)) > 10:
        return "amber", "feed stale", lag_s
    if lag_s > 10:
        return "red", f"lag {lag_s:.1f}s", lag_s
    if lag_s > 2:
        return "amber", f"lag {lag_s:.1f}s", lag_s
    return "green", "ok", lag_s
