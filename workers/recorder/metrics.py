"""The recorder's health as Prometheus metrics: a collector over the health record the recorder publishes
(Redis in full mode, a file in embedded mode), read at each scrape, so the web's ``/metrics`` shows the
recorder wherever it runs. Its lag is computed by the recorder when it publishes (about once a second).
The rows it commits are also counted directly (``gslts_recorder_ticks_written_total``, trading/metrics.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from workers.recorder.health import assess, store_for

GAUGES = (
    ("gslts_recorder_lag_seconds", "age of the oldest uncommitted batch", "lag_ms", 0.001),
    (
        "gslts_recorder_buffer_depth",
        "uncommitted buffer entries (stream) or bytes (spool)",
        "buffer_depth",
        1,
    ),
    ("gslts_recorder_ticks_per_second", "rows committed per second (5 s window)", "ticks_per_s", 1),
)
WRITER_COUNTERS = (
    ("gslts_recorder_committed_rows", "tick rows committed", "committed_rows"),
    ("gslts_recorder_malformed_entries", "malformed buffer entries skipped", "malformed_entries"),
    ("gslts_recorder_malformed_rows", "malformed rows skipped", "malformed_rows"),
    ("gslts_recorder_db_errors", "failed database writes (retried)", "db_errors"),
    ("gslts_recorder_dead_letters", "rows the database refused (tick_dead_letters)", "dead_letters"),
    ("gslts_recorder_writer_restarts", "writer loops restarted after a crash", "restarts"),
)
FEED_COUNTERS = (
    ("gslts_recorder_spilled_rows", "rows spilled to the disk spool", "spilled"),
    ("gslts_recorder_received_ticks", "ticks received from the broker", "received"),
    ("gslts_recorder_malformed_events", "malformed feed events ignored", "malformed_events"),
)


def load_health(settings: Any = None) -> dict[str, dict[str, Any]]:
    """The current health sections for these settings (default: the process settings)."""
    if settings is None:
        from trading.config import get_settings

        settings = get_settings()
    return store_for(settings.redis_url, settings.data_dir).read()


def _gauge(name: str, help_text: str, value: object) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=float(value))  # type: ignore[arg-type]


class RecorderHealthCollector:
    """A prometheus-client collector: ``health`` fixed (tests) or read from ``settings`` at each collect."""

    def __init__(self, settings: Any = None, health: dict[str, dict[str, Any]] | None = None):
        self.settings = settings
        self.health = health

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.health is not None:
            return self.health
        try:
            return load_health(self.settings)
        except Exception:  # noqa: BLE001 - /metrics must answer even when Redis is away
            return {}

    def collect(self) -> Iterator[Metric]:
        health = self._read()  # {} (no recorder, or Redis away): up 0, so "recorder down" can fire
        now = time.time()
        w, f = health.get("writer") or {}, health.get("feed") or {}
        level, _, _ = assess(health, now)
        up = 1 if w and now - float(w.get("updated", 0)) <= 10 else 0
        yield _gauge("gslts_recorder_up", "1 when the writer reported within 10 s", up)
        yield _gauge(
            "gslts_recorder_status", "0 green, 1 amber, 2 red", {"green": 0, "amber": 1, "red": 2}[level]
        )
        for name, help_text, key, scale in GAUGES:
            if w.get(key) is not None:
                yield _gauge(name, help_text, float(w[key]) * scale)
        yield _gauge(
            "gslts_recorder_db_up", "1 when the last database write succeeded", int(bool(w.get("db_up")))
        )
        if f.get("universe") is not None:
            yield _gauge("gslts_recorder_universe_codes", "codes in the recording universe", f["universe"])
        conns = f.get("connections") or []
        yield _gauge("gslts_recorder_connections", "feed connections", len(conns))
        waiting = GaugeMetricFamily(
            "gslts_recorder_waiting", "1 while the writer waits for this dependency", labels=["dependency"]
        )
        for dep in ("redis", "database"):
            waiting.add_metric([dep], int(w.get("waiting_for") == dep))
        yield waiting
        for section, counters in ((w, WRITER_COUNTERS), (f, FEED_COUNTERS)):
            for name, help_text, key in counters:
                if section.get(key) is not None:
                    yield CounterMetricFamily(name, help_text, value=float(section[key]))
        yield from _connections(conns)
        yield from _latency(w.get("latency"))


def _connections(conns: list[dict[str, Any]]) -> Iterator[Metric]:
    if not conns:
        return
    ages = GaugeMetricFamily(
        "gslts_recorder_connection_last_tick_age_seconds",
        "age of the freshest tick per connection",
        labels=["connection"],
    )
    for c in conns:
        if c.get("last_tick_age") is not None:
            ages.add_metric([str(c["id"])], float(c["last_tick_age"]))
    yield ages


def _latency(lat: dict[str, Any] | None) -> Iterator[Metric]:
    if not lat:
        return
    buckets, run = [], 0
    for bound, count in zip(lat["bounds"], lat["counts"], strict=False):
        run += count
        buckets.append((f"{bound / 1000.0:g}", run))
    total = sum(lat["counts"])
    buckets.append(("+Inf", total))
    yield HistogramMetricFamily(
        "gslts_recorder_tick_to_db_seconds",
        "tick arrival to database commit",
        buckets=buckets,
        sum_value=float(lat.get("sum_ms", 0.0)) / 1000.0,
    )


def render_metrics(health: dict[str, dict[str, Any]] | None = None, settings: Any = None) -> str:
    """The recorder's metrics alone, in the text exposition format (reads the health record when None)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RecorderHealthCollector(settings, health))
    return generate_latest(registry).decode()
