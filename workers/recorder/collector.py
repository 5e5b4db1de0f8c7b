"""Broker callbacks → packed batches in the durable buffer.

``on_event`` runs on the adapter's thread, so it only type-checks and appends (no I/O, never raises).
A flusher thread swaps the list every ``flush_s`` (50 ms) or at ``flush_rows`` and writes one packed
entry to the buffer; if the buffer is briefly unavailable the batch is kept and retried. Listeners
(minute bars, quote/book cache) get each batch on the flusher thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from trading.domain import OrderBook, Tick, is_valid_code
from workers.recorder.buffer import BufferWriter
from workers.recorder.codec import pack_ticks

log = logging.getLogger(__name__)

TickListener = Callable[[list[Tick]], None]
BookListener = Callable[[OrderBook], None]


class TickCollector:
    def __init__(self, buffer: BufferWriter, flush_s: float = 0.05, flush_rows: int = 5000):
        self.buffer = buffer
        self.flush_s = flush_s
        self.flush_rows = flush_rows
        self.tick_listeners: list[TickListener] = []
        self.book_listeners: list[BookListener] = []
        self._ticks: list[Tick] = []
        self._first_ms = 0
        self._carry: list[tuple[bytes, int, int, list[Tick]]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick: dict[str, float] = {}  # code → epoch seconds of the last tick received
        self.received = 0
        self.buffered = 0
        self.malformed = 0
        self.buffer_errors = 0

    def on_event(self, obj: object) -> None:
        """The ``subscribe`` callback for TICKS and BOOKS: quick, never raises."""
        try:
            if isinstance(obj, Tick) and is_valid_code(obj.code) and obj.price > 0 and obj.volume >= 0:
                if not self._ticks:
                    self._first_ms = int(time.time() * 1000)
                self._ticks.append(obj)
                self.received += 1
                if len(self._ticks) >= self.flush_rows:
                    self._wake.set()
            elif isinstance(obj, OrderBook):
                for cb in self.book_listeners:
                    cb(obj)
            else:
                self.malformed += 1
                log.warning("malformed feed event ignored: %r", obj)
        except Exception:  # noqa: BLE001 - the adapter's thread must never see an error
            self.malformed += 1
            log.exception("feed event handling failed")

    def flush(self) -> int:
        """Pack what arrived and append it to the buffer; returns rows buffered."""
        ticks, self._ticks = self._ticks, []
        if ticks:
            now = time.time()
            for t in ticks:
                self.last_tick[t.code] = now
            self._carry.append((pack_ticks(ticks), len(ticks), self._first_ms, ticks))
        done = 0
        while self._carry:
            data, n, t_ms, batch = self._carry[0]
            try:
                self.buffer.append(data, n, t_ms)
            except Exception as err:  # noqa: BLE001 - keep the batch; Redis/disk may come back
                self.buffer_errors += 1
                log.warning("buffer append failed (%s); %d batches held", err, len(self._carry))
                break
            self._carry.pop(0)
            self.buffered += n
            done += n
            for cb in self.tick_listeners:
                try:
                    cb(batch)
                except Exception:  # noqa: BLE001
                    log.exception("tick listener failed")
        return done

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(self.flush_s)
                self._wake.clear()
                self.flush()
            self.flush()

        self._thread = threading.Thread(target=loop, name="tick-collector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)

    def snapshot(self) -> dict[str, object]:
        now = time.time()
        return {
            "received": self.received,
            "buffered": self.buffered,
            "malformed_events": self.malformed,
            "buffer_errors": self.buffer_errors,
            "held_batches": len(self._carry),
            "last_tick_age": {c: round(now - t, 1) for c, t in self.last_tick.items()},
        }
