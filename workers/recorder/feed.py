"""Subscriptions for the recorder's universe, sharded into connections under the broker's cap.

A connection is modelled as one group of ``subscribe()`` handles (TICKS and, optionally, BOOKS for the
same codes). Re-applying a universe keeps unchanged connections, re-subscribes a connection whose
codes changed, and opens new ones only while ``max_connections`` allows; codes beyond that are
reported as ``dropped``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from trading.brokers.base import Broker, Channel, Subscription
from workers.recorder.collector import TickCollector

log = logging.getLogger(__name__)


@dataclass
class Connection:
    cid: int
    codes: list[str]
    handles: list[Subscription] = field(default_factory=list)
    opened: float = field(default_factory=time.time)
    error: str = ""
    applied: list[str] = field(default_factory=list)  # the codes the live handles cover

    def cancel(self) -> None:
        for h in self.handles:
            try:
                h.cancel()
            except Exception:  # noqa: BLE001 - cancelling must not fail the update
                log.warning("cancel of connection %d failed", self.cid)
        self.handles = []


class FeedManager:
    def __init__(
        self,
        broker: Broker,
        collector: TickCollector,
        cap_per_connection: int,
        max_connections: int = 1,
        books: bool = True,
    ):
        self.broker = broker
        self.collector = collector
        self.cap = cap_per_connection
        self.max_connections = max_connections
        self.books = books
        self.connections: list[Connection] = []
        self.dropped: list[str] = []
        self._next_id = 1

    @property
    def per_connection(self) -> int:
        return max(1, self.cap // (2 if self.books else 1))

    def _subscribe(self, conn: Connection) -> None:
        conn.cancel()
        try:
            conn.handles.append(self.broker.subscribe(Channel.TICKS, conn.codes, self.collector.on_event))
            if self.books:
                conn.handles.append(self.broker.subscribe(Channel.BOOKS, conn.codes, self.collector.on_event))
            conn.error = ""
        except Exception as err:  # noqa: BLE001 - BrokerUnavailable etc.: retried on the next apply
            conn.error = str(err)[:200]
            log.warning("subscribe of connection %d failed: %s", conn.cid, err)

    def apply(self, universe: Sequence[str]) -> dict[str, int]:
        """Make the subscriptions match ``universe``; returns counts of what changed."""
        wanted = list(dict.fromkeys(universe))
        want_set = set(wanted)
        changed = opened = closed = 0
        for conn in self.connections:
            keep = [c for c in conn.codes if c in want_set]
            if keep != conn.codes:
                conn.codes = keep
                changed += 1
        assigned = {c for conn in self.connections for c in conn.codes}
        new = [c for c in wanted if c not in assigned]
        for conn in self.connections:
            room = self.per_connection - len(conn.codes)
            if new and room > 0:
                conn.codes += new[:room]
                new = new[room:]
                changed += 1
        while new and len(self.connections) < self.max_connections:
            conn = Connection(self._next_id, new[: self.per_connection])
            self._next_id += 1
            new = new[self.per_connection :]
            self.connections.append(conn)
            opened += 1
        self.dropped = new
        if new:
            log.warning("%d codes over the subscription limit not recorded", len(new))
        for conn in list(self.connections):
            if not conn.codes:
                conn.cancel()
                self.connections.remove(conn)
                closed += 1
                continue
            if conn.error or not conn.handles or conn.codes != conn.applied:
                self._subscribe(conn)
                conn.applied = list(conn.codes)
        return {"opened": opened, "changed": changed, "closed": closed, "dropped": len(self.dropped)}

    def close(self) -> None:
        for conn in self.connections:
            conn.cancel()
        self.connections = []

    def snapshot(self) -> dict[str, object]:
        """Per-connection code count and the age of its freshest tick."""
        now = time.time()
        out = []
        for conn in self.connections:
            last = max((self.collector.last_tick.get(c, 0.0) for c in conn.codes), default=0.0)
            out.append(
                {
                    "id": conn.cid,
                    "codes": len(conn.codes),
                    "last_tick_age": round(now - last, 1) if last else None,
                    "error": conn.error,
                }
            )
        return {"connections": out, "dropped": len(self.dropped), "cap_per_connection": self.cap}
