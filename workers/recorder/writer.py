"""The batch writer: buffer entries → validated rows → one database commit → ack.

It flushes when ``batch_rows`` (10,000) rows are waiting or ``flush_s`` (1 s) after the first of
them arrived, whichever comes first. Nothing is acknowledged before its commit, so a crash or a
database outage never loses a row: the batch is retried with backoff (the buffer keeps growing in
the meantime) and any replay is dropped by the primary key. Malformed entries and rows are counted,
logged and acknowledged with their batch; they never stop the writer.
"""

from __future__ import annotations

import logging
import threading
import time

from db.repositories.tick_sink import SinkError, TickSink
from workers.recorder.buffer import BufferReader, Entry
from workers.recorder.codec import check
from workers.recorder.stats import WriterStats

log = logging.getLogger(__name__)


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
        retry_max_s: float = 2.0,
    ):
        self.reader = reader
        self.sink = sink
        self.stats = stats or WriterStats()
        self.batch_rows = batch_rows
        self.flush_s = flush_s
        self.read_entries = read_entries
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
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

    def flush(self, stop: threading.Event | None = None) -> bool:
        """Commit the pending batch (retrying through outages), then ack it; False if stopped first."""
        if not self._entries:
            return True
        data = b"".join(self._chunks)
        delay = self.retry_initial_s
        while True:
            try:
                self.sink.write(data)
                break
            except SinkError as err:
                with self.stats.lock:
                    self.stats.db_errors += 1
                    self.stats.db_up = False
                    self.stats.last_error = str(err)[:200]
                log.warning(
                    "tick batch of %d rows not written (%s); retrying in %.1fs", self._rows, err, delay
                )
                if stop is not None and stop.wait(delay):
                    return False
                if stop is None:
                    time.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
        self.stats.method = getattr(self.sink, "method", "")
        entries, weights, rows = self._entries, self._weights, self._rows
        self._entries, self._chunks, self._weights, self._rows, self._first = [], [], [], 0, 0.0
        self.stats.committed(rows, len(entries), weights)
        try:
            self.reader.ack(entries)
        except Exception as err:  # noqa: BLE001 - committed anyway; a replay is dropped by the PK
            log.warning("ack of %d entries failed (%s); they will be replayed", len(entries), err)
        return True

    def run(self, stop: threading.Event) -> None:
        """Poll and flush until ``stop`` is set; a last flush on the way out."""
        while not stop.is_set():
            try:
                if self._rows < self.batch_rows:
                    self.poll()
                if self.due():
                    self.flush(stop)
            except SinkError:
                raise
            except Exception as err:  # noqa: BLE001 - e.g. Redis briefly down: keep the batch, retry
                log.warning("buffer read failed: %s", err)
                stop.wait(1.0)
        self.flush(stop)
