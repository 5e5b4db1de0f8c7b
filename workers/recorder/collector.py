"""Broker callbacks → packed batches in the durable buffer.

``on_event`` runs on the adapter's thread, so it only type-checks and appends (no I/O, never raises).
A flusher thread swaps the list every ``flush_s`` (50 ms) or at ``flush_rows`` and writes one packed
entry to the buffer; if the buffer is briefly unavailable the batch is kept (the carry-over) and
retried. Listeners (the quote/book cache) get each batch on the flusher thread.

Bounds (full mode, with an ``overflow`` spool): when the stream is full (``BufferFull``) or the
carry-over holds ``max_carry`` batches, batches spill to the disk spool, in order, and keep going
there until the writer has drained the spool and the stream has room again; memory never holds more
than ``max_carry`` batches and nothing is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from trading.domain import OrderBook, Tick, is_valid_code
from workers.recorder.buffer import BufferFull, BufferWriter
from workers.recorder.codec import pack_ticks

log = logging.getLogger(__name__)

TickListener = Callable[[list[Tick]], None]
BookListener = Callable[[OrderBook], None]


OverflowPending = Callable[[], bool]  # True while the overflow spool holds uncommitted entries


class TickCollector:
    def __init__(
        self,
        buffer: BufferWriter,
        flush_s: float = 0.05,
        flush_rows: int = 5000,
        overflow: BufferWriter | None = None,
        overflow_pending: OverflowPending | None = None,
        max_carry: int = 200,
    ):
        self.buffer = buffer
        self.flush_s = flush_s
        self.flush_rows = flush_rows
        self.overflow = overflow
        self.overflow_pending = overflow_pending
        self.max_carry = max_carry
        # a spool left by an earlier run is drained before the stream is used again (arrival order)
        self.spilling = bool(overflow is not None and overflow_pending is not None and overflow_pending())
        self.spilled = 0  # rows written to the overflow spool
        self._next_spill_check = 0.0
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
        self.listener_errors = 0

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
        self._maybe_leave_spill()
        while self._carry:
            data, n, t_ms, batch = self._carry[0]
            if not self._append(data, n, t_ms):
                break
            self._carry.pop(0)
            self.buffered += n
            done += n
            for cb in self.tick_listeners:
                try:
                    cb(batch)
                except Exception as err:  # noqa: BLE001 - e.g. the quote cache's Redis is away
                    self.listener_errors += 1
                    if self.listener_errors == 1 or self.listener_errors % 1000 == 0:
                        log.warning("tick listener failed (%d so far): %s", self.listener_errors, err)
        return done

    def _append(self, data: bytes, n: int, t_ms: int) -> bool:
        """One batch to the stream, or to the overflow spool while spilling; False: keep it."""
        if not self.spilling:
            try:
                self.buffer.append(data, n, t_ms)
                return True
            except BufferFull as err:
                if self.overflow is None:  # no spool to spill to: hold it until the stream drains
                    self.buffer_errors += 1
                    return False
                self._start_spill(str(err))
            except Exception as err:  # noqa: BLE001 - keep the batch; Redis/disk may come back
                self.buffer_errors += 1
                if self.overflow is None or len(self._carry) < self.max_carry:
                    if self.buffer_errors == 1 or self.buffer_errors % 100 == 0:
                        log.warning("buffer append failed (%s); %d batches held", err, len(self._carry))
                    return False
                self._start_spill(f"{len(self._carry)} batches held ({err})")
        try:
            self.overflow.append(data, n, t_ms)  # type: ignore[union-attr]
        except Exception as err:  # noqa: BLE001 - a disk error: hold the batch, try again
            self.buffer_errors += 1
            log.error("overflow spool append failed (%s); %d batches held", err, len(self._carry))
            return False
        self.spilled += n
        return True

    def _start_spill(self, why: str) -> None:
        self.spilling = True
        self._next_spill_check = time.monotonic() + 1.0
        log.warning("spilling ticks to the disk spool: %s", why)

    def _maybe_leave_spill(self) -> None:
        """Back to the stream once the spool is drained and the stream has room (checked each second)."""
        if not self.spilling or time.monotonic() < self._next_spill_check:
            return
        self._next_spill_check = time.monotonic() + 1.0
        try:
            pending = self.overflow_pending() if self.overflow_pending else False
            room = getattr(self.buffer, "has_room", lambda: True)()
        except Exception:  # noqa: BLE001 - Redis still away: keep spilling
            return
        if room and not pending:
            self.spilling = False
            log.warning("the disk spool is drained; ticks go to the stream again")

    def _safe_flush(self) -> None:
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the flusher thread must never die; the carry is kept
            log.exception("tick collector flush failed")

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(self.flush_s)
                self._wake.clear()
                self._safe_flush()
            self._safe_flush()

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
            "spilling": self.spilling,
            "spilled": self.spilled,
            "last_tick_age": {c: round(now - t, 1) for c, t in self.last_tick.items()},
        }
