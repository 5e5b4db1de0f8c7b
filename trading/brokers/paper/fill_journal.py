"""The paper market's durable retry queue: store events that could not be written yet.

A market step's fills (with the order, position and cash changes that go with them), a day roll's
cancels, and any event whose commit outcome was lost (``CommitUnknown``) are appended to a journal file
in the data dir — one JSON line each, fsync'd — and applied in memory at once: the exchange keeps
matching on its memory, which stays the truth while entries wait. A flusher thread writes them to the
store in order (one transaction per entry) as soon as it answers, with a backoff.

While any entry waits, every later write of the market goes behind it: an order, modify or cancel first
writes what waits, or is refused (``BrokerUnavailable``) when it cannot; a step's events join the queue.
Replaying an entry already stored is a no-op (``PaperStore.committed``: its fill ids, else its new order
ids); an entry without keys holds absolute values only (order rows, cash), and nothing of its accounts
was written after it, so writing it again changes nothing. Entries carry the writer's fencing token: at
start, entries of an owner older than the one just before this one are set aside (another owner wrote
since), never replayed; and an owner whose lease is in doubt (``guard`` raises) journals nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from trading.brokers.errors import BrokerUnavailable, OrderRejected
from trading.brokers.paper.store import (
    CommitUnknown,
    DuplicateAttachment,
    OrderRecord,
    PaperStore,
    PositionRecord,
    StoreEvent,
    WriteRefused,
    event_key,
)
from trading.brokers.wire import decode, encode
from trading.orders.journal import NewIntent

log = logging.getLogger(__name__)

Item = tuple[str | None, PaperStore, StoreEvent]  # (account, its store, the event)
DEFINITE = (OrderRejected, DuplicateAttachment, WriteRefused)  # refusals: retrying cannot help


class DirectWriter:
    """No journal: write at once or raise (a lost commit acknowledgement included)."""

    def commit(self, items: list[Item], defer: bool = False) -> bool:
        items[0][1].apply_all([(store, event) for _, store, event in items])
        return True

    def pending_events(self, account: str | None) -> list[StoreEvent]:
        return []

    @property
    def pending(self) -> int:
        return 0


@dataclasses.dataclass(slots=True)
class _Entry:
    n: int
    fence: int | None
    events: list[tuple[str, StoreEvent]]


class FillJournal:
    """The durable FIFO of store events not written yet (see the module docstring). Thread-safe."""

    RETRY_S = (0.2, 5.0)  # first and longest wait between two attempts to write what waits

    def __init__(
        self,
        path: Path,
        stores: Callable[[str], PaperStore],
        fence: int | None = None,
        guard: Callable[[], None] | None = None,
    ):
        self.path = Path(path)
        self.fence = fence
        self._guard = guard  # the lease's check: raises OrderRejected(NOT_OWNER) when it may be lost
        self._factory = stores
        self._stores: dict[str, PaperStore] = {}
        self._lock = threading.RLock()
        self._pending: deque[_Entry] = deque()
        self._n = 0
        self._file: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._since: float | None = None  # when the current outage began
        self.stats = {"journaled": 0, "written": 0, "skipped": 0, "rejected": 0, "orphaned": 0}

    # --- the writer the exchanges use --------------------------------------------------------

    def commit(self, items: list[Item], defer: bool = False) -> bool:
        """Write ``items`` (one transaction) behind whatever waits. True: stored. False: journaled — the
        caller applies the events in memory all the same (``defer``: a market event, or the commit's
        outcome was lost). Raises (nothing written, nothing journaled) for a refusal, or for an order
        (not ``defer``) the store cannot take now."""
        for account, store, _ in items:
            if account is not None:
                self._stores.setdefault(account, store)
        if not self._pending:  # the common case: nothing waits, accounts write in parallel
            return self._write(items, defer)
        with self._lock:
            if self._pending and not defer:
                try:
                    self._drain()
                except DEFINITE:
                    raise
                except Exception as err:
                    raise BrokerUnavailable(
                        f"the database is unavailable; {len(self._pending)} paper events wait to be "
                        f"written ({err})"
                    ) from err
            if self._pending:
                self._append(items)
                return False
            return self._write(items, defer)

    def _write(self, items: list[Item], defer: bool) -> bool:
        try:
            items[0][1].apply_all([(store, event) for _, store, event in items])
            return True
        except CommitUnknown:
            # It may be stored: keep it (replaying is safe), go on as if it were, and settle it at once
            # if the store answers (usually only the connection dropped).
            with self._lock:
                self._append(items)
                self.flush()
            return False
        except DEFINITE:
            raise
        except Exception:
            if not defer:
                raise
        with self._lock:
            self._append(items)
        return False

    def pending_events(self, account: str | None) -> list[StoreEvent]:
        """The events of ``account`` still waiting, oldest first (reads overlay them)."""
        with self._lock:
            return [ev for e in self._pending for a, ev in e.events if a == account]

    @property
    def pending(self) -> int:
        return len(self._pending)

    # --- the file ----------------------------------------------------------------------------

    def _append(self, items: list[Item]) -> None:
        """Journal ``items`` as one entry (durable before this returns). Under the lock."""
        if self._guard is not None:
            self._guard()  # a former owner must not record a market it no longer owns
        entry = _Entry(self._n + 1, self.fence, [(str(a), ev) for a, _, ev in items])
        self._line({"op": "add", "n": entry.n, "fence": entry.fence, "events": [
            _encode_event(a, ev) for a, ev in entry.events
        ]}, sync=True)  # fmt: skip
        self._n = entry.n
        self._pending.append(entry)
        self.stats["journaled"] += 1
        if self._since is None:
            self._since = time.monotonic()
            log.warning("paper store did not take a write: events wait in %s until it does", self.path)
        self._kick()

    def _line(self, record: dict[str, Any], sync: bool) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())

    def _truncate(self) -> None:
        if self._file is not None:
            self._file.truncate(0)
            self._file.flush()
            os.fsync(self._file.fileno())
        elif self.path.exists() and self.path.stat().st_size:
            with open(self.path, "r+b") as f:
                f.truncate(0)
                os.fsync(f.fileno())

    # --- writing what waits ------------------------------------------------------------------

    def _store(self, account: str) -> PaperStore:
        store = self._stores.get(account)
        if store is None:
            store = self._stores[account] = self._factory(account)
        return store

    def _drain(self) -> int:
        """Write every waiting entry in order (under the lock); raises when the store fails again."""
        done = 0
        while self._pending:
            entry = self._pending[0]
            pairs = [(self._store(a), ev) for a, ev in entry.events]
            try:
                if _stored(pairs):
                    self.stats["skipped"] += 1
                else:
                    pairs[0][0].apply_all(pairs)
                    self.stats["written"] += 1
            except (DuplicateAttachment, WriteRefused) as err:
                self._reject(entry, err)
            self._pending.popleft()
            self._line({"op": "done", "n": entry.n}, sync=False)
            done += 1
        if done:
            self._truncate()
            if self._since is not None:
                log.warning(
                    "paper store answers again: %d waiting events written after %.1f s",
                    done, time.monotonic() - self._since,
                )  # fmt: skip
                self._since = None
        return done

    def _reject(self, entry: _Entry, err: Exception) -> None:
        """An entry the store refuses for good: kept aside with the reason, never retried."""
        self.stats["rejected"] += 1
        log.error("paper journal: entry %d refused by the store (%s); kept in %s.rejected", entry.n, err,
                  self.path)  # fmt: skip
        with open(self.path.with_name(self.path.name + ".rejected"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"n": entry.n, "error": str(err)[:500], "events": [
                _encode_event(a, ev) for a, ev in entry.events
            ]}) + "\n")  # fmt: skip

    def flush(self) -> int:
        """Try once to write what waits now; the number of entries written (0 if it failed)."""
        with self._lock:
            try:
                return self._drain()
            except Exception as err:  # noqa: BLE001 - still down: the flusher tries again
                log.info("paper journal: %d events still wait (%s)", len(self._pending), err)
                return 0

    def _kick(self) -> None:
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="paper-journal", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        delay = self.RETRY_S[0]
        while not self._stop.wait(delay):
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
            delay = self.RETRY_S[0] if self.flush() else min(delay * 2, self.RETRY_S[1])
        with self._lock:
            self._thread = None

    def close(self) -> None:
        """Stop the flusher after one last attempt; what still waits stays in the file."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        if self._pending:
            self.flush()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    # --- start -------------------------------------------------------------------------------

    def recover(self) -> int:
        """Read the file left by the previous owner and write what it left waiting (the store must
        answer: the accounts are loaded from it next). Returns the number of entries replayed."""
        entries = self._read()
        if not entries:
            self._truncate()
            return 0
        stale = [e for e in entries if _older(e.fence, self.fence)]
        if stale:
            aside = self.path.with_name(f"{self.path.name}.orphaned-{int(time.time())}")
            os.replace(self.path, aside)
            self.stats["orphaned"] = len(entries)
            log.error(
                "paper journal: %d entries of fencing token %s, but another owner wrote since (token now "
                "%s): not replayed, kept in %s", len(entries), stale[0].fence, self.fence, aside,
            )  # fmt: skip
            return 0
        with self._lock:
            self._pending.extend(entries)
            self._n = max(e.n for e in entries)
            n = self._drain()
        log.warning("paper journal: %d entries left by the previous owner written", n)
        return n

    def _read(self) -> list[_Entry]:
        if not self.path.exists():
            return []
        added: dict[int, _Entry] = {}
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:  # a line torn by a crash mid-write: it was never acknowledged
                    log.warning("paper journal: ignored a torn line in %s", self.path)
                    continue
                if rec.get("op") == "add":
                    events = [_decode_event(e) for e in rec["events"]]
                    added[rec["n"]] = _Entry(rec["n"], rec.get("fence"), events)
                elif rec.get("op") == "done":
                    added.pop(rec["n"], None)
        return [added[n] for n in sorted(added)]


def _stored(pairs: list[tuple[PaperStore, StoreEvent]]) -> bool:
    """Whether the entry (one transaction) is stored already, judged by the first event with a key."""
    for store, ev in pairs:
        if event_key(ev) is not None:
            return store.committed(ev)
    return False


def _older(entry_fence: int | None, fence: int | None) -> bool:
    """An entry written under a token older than the one just before ``fence``."""
    return entry_fence is not None and fence is not None and entry_fence < fence - 1


# --- encoding ----------------------------------------------------------------------------------


def _encode_event(account: str, ev: StoreEvent) -> dict[str, Any]:
    return {
        "account": account,
        "time": ev.time.isoformat(),
        "cash": ev.cash,
        "orders": [[encode(r.order), r.queue_ahead, r.reserved, r.is_new] for r in ev.orders],
        "fills": [encode(f) for f in ev.fills],
        "positions": [[p.code, p.qty, p.cost, p.realized_pnl, p.is_new] for p in ev.positions],
        "attachments": [[_encode_attachment(a), encode(o)] for a, o in ev.attachments],
    }


def _decode_event(d: dict[str, Any]) -> tuple[str, StoreEvent]:
    return d["account"], StoreEvent(
        time=datetime.fromisoformat(d["time"]),
        cash=int(d["cash"]),
        orders=tuple(OrderRecord(decode(o), int(q), int(r), bool(new)) for o, q, r, new in d["orders"]),
        fills=tuple(decode(f) for f in d["fills"]),
        positions=tuple(
            PositionRecord(c, int(q), int(k), int(p), bool(n)) for c, q, k, p, n in d["positions"]
        ),
        attachments=tuple((_decode_attachment(a), decode(o)) for a, o in d["attachments"]),
    )


def _encode_attachment(a: object) -> dict[str, Any] | None:
    if isinstance(a, NewIntent):
        return {"intent": {**dataclasses.asdict(a), "created_at": a.created_at.isoformat()}}
    log.error("paper journal: cannot keep an attachment of type %s", type(a).__name__)
    return None


def _decode_attachment(d: dict[str, Any] | None) -> object:
    if d is None:
        return None
    fields = dict(d["intent"])
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return NewIntent(**fields)
