"""The batch writer: buffer entries → validated rows → one database commit → ack.

It flushes when ``batch_rows`` (10,000) rows are waiting or ``flush_s`` (1 s) after the first of
them arrived, whichever comes first. Nothing is acknowledged before its commit, so a crash or a
database outage never loses a row: the batch is retried with capped exponential backoff (the buffer
keeps growing in the meantime, up to its bound) and any replay is dropped by the primary key.
Malformed entries and rows are counted, logged and acknowledged with their batch; they never stop the
writer. A batch the database refuses for its data is bisected: the good halves are written, and each
refused row goes to ``tick_dead_letters`` with the reason (the writer never retries it).

Minute bars: each write marks the (code, minute) pairs it touches, in its transaction; every
``bars_every_s`` (1 s; longer when a pass takes more than a fifth of that, so bars never starve the
ticks), at start and on the way out the writer has the sink recompute the marked bars from
``tick_data`` (one transaction), so bars are derived from committed ticks and a crash at any
point leaves marks that the next pass (after a restart: the first thing it does) recomputes.

``stats.waiting_for`` says what the writer waits for ("redis", "database" or None); the health
record, ``/admin/status`` and the navbar badge show it.
"""

from __future__ import annotations

import logging
import threading
import time

from db.repositories.tick_sink import DeadLetter, RowsRefused, SinkError, TickSink
from workers.recorder.buffer import BufferReader, Entry
from workers.recorder.codec import check
from workers.recorder.stats import WriterStats

log = logging.getLogger(__name__)


class Backoff:
    """Capped exponential backoff: ``next()`` gives initial, 2×, 4×, … up to ``cap``; ``reset()``."""

    def __init__(self, initial_s: float = 0.2, cap_s: float = 5.0):
        self.initial_s = initial_s
        self.cap_s = cap_s
        self._delay = initial_s

    def next(self) -> float:
        delay = self._delay
        self._delay = min(self._delay * 2, self.cap_s)
        return delay

    def reset(self) -> None:
        self._delay = self.initial_s


class BatchWriter:
    def __init__(
        self,
        reader: BufferReader,
        sink: TickSink,
        stats: WriterStats | None = None,
        batch_rows: int = 10_000,
        flush_s: float = 1.0,
        read_entries: int = 64,
        retry_initial_s: float = 0.2,
        retry_max_s: float = 5.0,
        bars_every_s: float = 1.0,
    ):
        self.reader = reader
        self.sink = sink
        self.stats = stats or WriterStats()
        self.batch_rows = batch_rows
        self.flush_s = flush_s
        self.read_entries = read_entries
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.bars_every_s = bars_every_s
        self._next_bars = 0.0
        self._entries: list[Entry] = []
        self._chunks: list[bytes] = []
        self._weights: list[tuple[int, int]] = []  # (t_ms, good rows) per entry, for latency
        self._rows = 0
        self._first = 0.0

    def _add(self, e: Entry) -> None:
        self._entries.append(e)
        if e.malformed:
            with self.stats.lock:
                self.stats.malformed_entries += 1
            log.warning("malformed buffer entry %r skipped", e.id)
            return
        c = check(e.data, e.n)
        if c.bad:
            with self.stats.lock:
                self.stats.malformed_rows += c.bad
                self.stats.short_entries += 1
            log.warning("entry %r: %d malformed row(s) skipped, %d kept", e.id, c.bad, c.good)
        if c.good:
            self._chunks.append(c.rows)
            self._weights.append((e.t_ms, c.good))
            self._rows += c.good
        if not self._first:
            self._first = time.monotonic()
            with self.stats.lock:
                self.stats.oldest_uncommitted_ms = e.t_ms or int(time.time() * 1000)

    def due(self) -> bool:
        if not self._entries:
            return False
        return self._rows >= self.batch_rows or time.monotonic() - self._first >= self.flush_s

    def poll(self) -> int:
        """Read what is there (waiting at most until the flush deadline); returns entries read."""
        block = 200
        if self._first:
            block = max(1, int((self.flush_s - (time.monotonic() - self._first)) * 1000))
            block = min(block, 200)
        entries = self.reader.read(self.read_entries, block)
        for e in entries:
            self._add(e)
        return len(entries)

    def _write(self, data: bytes) -> list[DeadLetter]:
        """Write ``data``; a refused batch is bisected until each refused row stands alone.

        Returns the refused rows with their reasons; a transient ``SinkError`` propagates (the caller
        retries everything: what was written is dropped by the primary key on the way round)."""
        try:
            self.sink.write(data)
            return []
        except RowsRefused as err:
            lines = data.splitlines(keepends=True)
            if len(lines) <= 1:
                return [(data.rstrip(b"\n"), str(err)[:500])]
            mid = len(lines) // 2
            return self._write(b"".join(lines[:mid])) + self._write(b"".join(lines[mid:]))

    def flush(self, stop: threading.Event | None = None) -> bool:
        """Commit the pending batch (retrying through outages), then ack it; False if stopped first."""
        if not self._entries:
            return True
        data = b"".join(self._chunks)
        backoff = Backoff(self.retry_initial_s, self.retry_max_s)
        while True:
            try:
                refused = self._write(data)
                self.sink.dead_letter(refused)
                break
            except SinkError as err:
                delay = backoff.next()
                with self.stats.lock:
                    self.stats.db_errors += 1
                    self.stats.db_up = False
                    self.stats.waiting_for = "database"
                    self.stats.last_error = str(err)[:200]
                log.warning(
                    "tick batch of %d rows not written (%s); retrying in %.1fs", self._rows, err, delay
                )
                if stop is not None and stop.wait(delay):
                    return False
                if stop is None:
                    time.sleep(delay)
        if refused:
            with self.stats.lock:
                self.stats.dead_letters += len(refused)
            log.error("%d tick row(s) refused by the database, filed in tick_dead_letters: %s",
                      len(refused), refused[0][1])  # fmt: skip
        with self.stats.lock:
            if self.stats.waiting_for == "database":
                self.stats.waiting_for = None
        self.stats.method = getattr(self.sink, "method", "")
        entries, weights, rows = self._entries, self._weights, self._rows
        self._entries, self._chunks, self._weights, self._rows, self._first = [], [], [], 0, 0.0
        self.stats.committed(rows, len(entries), weights)
        try:
            self.reader.ack(entries)
        except Exception as err:  # noqa: BLE001 - committed anyway; a replay is dropped by the PK
            log.warning("ack of %d entries failed (%s); they will be replayed", len(entries), err)
        return True

    def recompute_bars(self, force: bool = False) -> None:
        """Recompute the marked minute bars when due (or ``force``); a failure waits for the next pass."""
        now = time.monotonic()
        if not force and now < self._next_bars:
            return
        self._next_bars = now + self.bars_every_s
        try:
            n = self.sink.recompute_bars()
        except SinkError as err:
            with self.stats.lock:
                self.stats.bar_errors += 1
            log.warning("minute bars not recomputed (%s); next pass in %.1fs", err, self.bars_every_s)
            return
        # a pass costs about 0.3 ms per touched minute: keep it under a fifth of the writer's time
        elapsed = time.monotonic() - now
        self._next_bars = now + max(self.bars_every_s, 5 * elapsed)
        with self.stats.lock:
            self.stats.bar_minutes += n

    def run(self, stop: threading.Event) -> None:
        """Poll and flush until ``stop`` is set; a last flush on the way out.

        A buffer that cannot be read (Redis away) is retried with capped backoff while the pending
        batch is kept; ``stats.waiting_for`` is "redis" meanwhile."""
        backoff = Backoff(self.retry_initial_s, self.retry_max_s)
        self.recompute_bars(force=True)  # what a crashed writer left marked
        while not stop.is_set():
            try:
                if self._rows < self.batch_rows:
                    self.poll()
                    self._buffer_ok(backoff)
                if self.due():
                    self.flush(stop)
                self.recompute_bars()
            except SinkError:
                raise
            except Exception as err:  # noqa: BLE001 - e.g. Redis down: keep the batch, retry
                delay = backoff.next()
                with self.stats.lock:
                    self.stats.buffer_errors += 1
                    self.stats.waiting_for = "redis"
                    self.stats.last_error = str(err)[:200]
                log.warning("buffer read failed (%s); retrying in %.1fs", err, delay)
                if self.due():  # what was read before the outage still goes to the database
                    self.flush(stop)
                stop.wait(delay)
        if self.flush(stop):
            self.recompute_bars(force=True)

    def _buffer_ok(self, backoff: Backoff) -> None:
        """The buffer answered: clear a "redis" wait (a reader that still misses a source says so)."""
        backoff.reset()
        waiting = getattr(self.reader, "waiting_for", None)
        with self.stats.lock:
            if waiting or self.stats.waiting_for == "redis":
                self.stats.waiting_for = waiting
