"""Prometheus text exposition of the recorder's health (serve it at /metrics)."""

from __future__ import annotations

import time
from typing import Any

from workers.recorder.health import assess, store_for


def _line(out: list[str], name: str, value: object, labels: dict[str, str] | None = None) -> None:
    if value is None:
        return
    lab = ""
    if labels:
        lab = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    out.append(f"{name}{lab} {float(value):g}")


def _head(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def load_health(settings: Any = None) -> dict[str, dict[str, Any]]:
    """The current health sections for these settings (default: the process settings)."""
    if settings is None:
        from trading.config import get_settings

        settings = get_settings()
    return store_for(settings.redis_url, settings.data_dir).read()


def render_metrics(health: dict[str, dict[str, Any]] | None = None, settings: Any = None) -> str:
    """Plain-text exposition format 0.0.4; reads the health record when ``health`` is None."""
    if health is None:
        try:
            health = load_health(settings)
        except Exception:  # noqa: BLE001 - /metrics must answer even when Redis is away
            health = {}
    now = time.time()
    w, f = health.get("writer") or {}, health.get("feed") or {}
    out: list[str] = []
    level, _, _ = assess(health, now)
    _head(out, "gslts_recorder_up", "gauge", "1 when the writer reported within 10 s")
    _line(out, "gslts_recorder_up", 1 if w and now - float(w.get("updated", 0)) <= 10 else 0)
    _head(out, "gslts_recorder_status", "gauge", "0 green, 1 amber, 2 red")
    _line(out, "gslts_recorder_status", {"green": 0, "amber": 1, "red": 2}[level])
    gauges = [
        (
            "gslts_recorder_lag_seconds",
            "age of the oldest uncommitted batch",
            (w.get("lag_ms") or 0) / 1000.0,
        ),
        (
            "gslts_recorder_buffer_depth",
            "uncommitted buffer entries (stream) or bytes (spool)",
            w.get("buffer_depth"),
        ),
        ("gslts_recorder_ticks_per_second", "rows committed per second (5 s window)", w.get("ticks_per_s")),
        (
            "gslts_recorder_db_up",
            "1 when the last database write succeeded",
            int(bool(w.get("db_up", False))),
        ),
        ("gslts_recorder_universe_codes", "codes in the recording universe", f.get("universe")),
        ("gslts_recorder_connections", "feed connections", len(f.get("connections") or [])),
    ]
    for name, help_text, value in gauges:
        _head(out, name, "gauge", help_text)
        _line(out, name, value)
    _head(out, "gslts_recorder_waiting", "gauge", "1 while the writer waits for this dependency")
    for dep in ("redis", "database"):
        _line(out, "gslts_recorder_waiting", int(w.get("waiting_for") == dep), {"dependency": dep})
    counters = [
        ("gslts_recorder_committed_rows_total", "tick rows committed", w.get("committed_rows")),
        (
            "gslts_recorder_malformed_entries_total",
            "malformed buffer entries skipped",
            w.get("malformed_entries"),
        ),
        ("gslts_recorder_malformed_rows_total", "malformed rows skipped", w.get("malformed_rows")),
        ("gslts_recorder_db_errors_total", "failed database writes (retried)", w.get("db_errors")),
        (
            "gslts_recorder_dead_letters_total",
            "rows the database refused (tick_dead_letters)",
            w.get("dead_letters"),
        ),
        ("gslts_recorder_writer_restarts_total", "writer loops restarted after a crash", w.get("restarts")),
        ("gslts_recorder_spilled_rows_total", "rows spilled to the disk spool", f.get("spilled")),
        ("gslts_recorder_received_ticks_total", "ticks received from the broker", f.get("received")),
        ("gslts_recorder_malformed_events_total", "malformed feed events ignored", f.get("malformed_events")),
    ]
    for name, help_text, value in counters:
        _head(out, name, "counter", help_text)
        _line(out, name, value)
    conns = f.get("connections") or []
    if conns:
        _head(
            out,
            "gslts_recorder_connection_last_tick_age_seconds",
            "gauge",
            "age of the freshest tick per connection",
        )
        for c in conns:
            _line(
                out,
                "gslts_recorder_connection_last_tick_age_seconds",
                c.get("last_tick_age"),
                {"connection": str(c["id"])},
            )
    lat = w.get("latency")
    if lat:
        name = "gslts_recorder_tick_to_db_seconds"
        _head(out, name, "histogram", "tick arrival to database commit")
        run = 0
        for bound, count in zip(lat["bounds"], lat["counts"], strict=False):
            run += count
            _line(out, name + "_bucket", run, {"le": f"{bound / 1000.0:g}"})
        total = sum(lat["counts"])
        _line(out, name + "_bucket", total, {"le": "+Inf"})
        _line(out, name + "_sum", float(lat.get("sum_ms", 0.0)) / 1000.0)
        _line(out, name + "_count", total)
    return "\n".join(out) + "\n"
