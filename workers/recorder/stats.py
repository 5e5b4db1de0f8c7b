"""Counters the recorder keeps: committed rows, malformed input, database errors, latency."""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from trading import metrics

# Tick-to-db latency histogram bounds, milliseconds (Prometheus-style cumulative "le" buckets).
LATENCY_BUCKETS_MS: tuple[float, ...] = (
    *range(50, 2001, 50),
    2500,
    3000,
    4000,
    5000,
    7500,
    10000,
    20000,
    30000,
    60000,
    120000,
)


class LatencyHistogram:
    """Row-weighted histogram of tick-to-db latency (``observe(ms, rows)``)."""

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BUCKETS_MS):
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # last = +Inf
        self.total = 0
        self.sum_ms = 0.0

    def observe(self, ms: float, rows: int = 1) -> None:
        self.counts[bisect.bisect_left(self.bounds, ms)] += rows
        self.total += rows
        self.sum_ms += ms * rows

    def quantile(self, q: float) -> float | None:
        """Upper bound of the bucket holding quantile ``q`` (conservative); None when empty."""
        if not self.total:
            return None
        target = q * self.total
        run = 0
        for i, c in enumerate(self.counts):
            run += c
            if run >= target:
                return float(self.bounds[i]) if i < len(self.bounds) else float("inf")
        return float("inf")

    def to_dict(self) -> dict[str, object]:
        return {"bounds": list(self.bounds), "counts": list(self.counts), "sum_ms": self.sum_ms}

    @classmethod
    def from_dict(cls, d: dict) -> LatencyHistogram:
        h = cls(tuple(d["bounds"]))
        h.counts = list(d["counts"])
        h.total = sum(h.counts)
        h.sum_ms = float(d.get("sum_ms", 0.0))
        return h


@dataclass
class WriterStats:
    """What the batch writer reports; updated on the writer thread, read by the health publisher."""

    committed_rows: int = 0
    committed_entries: int = 0
    flushes: int = 0
    malformed_entries: int = 0
    malformed_rows: int = 0
    short_entries: int = 0  # entries whose row count differed from their ``n``
    db_errors: int = 0
    db_up: bool = True
    buffer_errors: int = 0  # failed buffer reads (Redis away)
    dead_letters: int = 0  # rows the database refused, filed in tick_dead_letters
    restarts: int = 0  # writer loops the supervisor restarted after a crash
    bar_minutes: int = 0  # (code, minute) bars recomputed from tick_data
    bar_errors: int = 0  # recompute passes that failed (retried at the next pass)
    waiting_for: str | None = None  # "redis" | "database" | None
    last_error: str = ""
    last_commit: float = 0.0  # epoch seconds
    oldest_uncommitted_ms: int = 0  # t_ms of the oldest batch read but not committed
    method: str = ""
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    _window: deque = field(default_factory=lambda: deque(maxlen=120))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def committed(self, rows: int, entries: int, t_ms: list[tuple[int, int]]) -> None:
        now = time.time()
        metrics.TICKS_WRITTEN.inc(rows)
        metrics.RECORDER_BATCHES.inc()
        with self.lock:
            self.committed_rows += rows
            self.committed_entries += entries
            self.flushes += 1
            self.last_commit = now
            self.db_up = True
            self.oldest_uncommitted_ms = 0
            now_ms = now * 1000.0
            for t, n in t_ms:
                if t and n:
                    self.latency.observe(max(now_ms - t, 0.0), n)
            self._window.append((time.monotonic(), self.committed_rows))

    def rate(self, seconds: float = 5.0) -> float:
        """Committed rows per second over the last ``seconds``."""
        with self.lock:
            if not self._window:
                return 0.0
            now = time.monotonic()
            t_last, r_last = now, self.committed_rows
            base = next(((t, r) for t, r in self._window if now - t <= seconds), None)
            if base is None or t_last - base[0] <= 0:
                return 0.0
            return (r_last - base[1]) / (t_last - base[0])

    def snapshot(self) -> dict[str, object]:
        rate = self.rate()
        with self.lock:
            lag_ms = time.time() * 1000 - self.oldest_uncommitted_ms if self.oldest_uncommitted_ms else 0.0
            return {
                "committed_rows": self.committed_rows,
                "committed_entries": self.committed_entries,
                "flushes": self.flushes,
                "malformed_entries": self.malformed_entries,
                "malformed_rows": self.malformed_rows,
                "short_entries": self.short_entries,
                "db_errors": self.db_errors,
                "db_up": self.db_up,
                "buffer_errors": self.buffer_errors,
                "dead_letters": self.dead_letters,
                "restarts": self.restarts,
                "bar_minutes": self.bar_minutes,
                "bar_errors": self.bar_errors,
                "waiting_for": self.waiting_for,
                "last_error": self.last_error,
                "last_commit": self.last_commit,
                "lag_ms": round(max(lag_ms, 0.0), 1),
                "ticks_per_s": round(rate, 1),
                "method": self.method,
                "p99_tick_to_db_ms": self.latency.quantile(0.99),
                "latency": self.latency.to_dict(),
            }
