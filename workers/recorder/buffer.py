"""The durable buffer contract shared by the Redis Stream (full mode) and the spool file (embedded)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

log = logging.getLogger(__name__)


class BufferFull(RuntimeError):
    """The buffer is at its bound: the producer spills to the disk spool instead."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One buffered batch. ``id`` is the stream id or the spool position just after the record."""

    id: object
    n: int  # rows the producer said it packed
    t_ms: int  # epoch ms when the batch's first tick reached the recorder
    data: bytes  # packed rows (see ``codec``); empty for a malformed entry
    malformed: bool = False


class BufferWriter(Protocol):
    def append(self, data: bytes, n: int, t_ms: int) -> None: ...
    def close(self) -> None: ...


class BufferReader(Protocol):
    unit: str  # what ``depth`` counts: "entries" | "bytes"

    def read(self, max_entries: int, block_ms: int) -> list[Entry]: ...
    def ack(self, entries: Sequence[Entry]) -> None: ...
    def depth(self) -> int: ...
    def close(self) -> None: ...


class OverflowReader:
    """The full mode's reader: the Redis Stream first, then the overflow spool (``spool``).

    The collector spills to the spool only while the stream is full or Redis is away, and goes back
    to the stream only once the spool is drained, so reading the stream before the spool keeps the
    arrival order. Redis being away does not stop the spool: its entries still reach the database,
    and ``waiting_for`` says "redis" until the stream answers again. Entry ids are (source, id).
    """

    unit = "entries"

    def __init__(self, stream: BufferReader, spool: BufferReader):
        self.sources = (stream, spool)
        self.waiting_for: str | None = None

    def _tag(self, i: int, entries: list[Entry]) -> list[Entry]:
        return [replace(e, id=(i, e.id)) for e in entries]

    def read(self, max_entries: int, block_ms: int) -> list[Entry]:
        stream, spool = self.sources
        try:
            got = stream.read(max_entries, 0)
            self.waiting_for = None
        except Exception as err:  # noqa: BLE001 - Redis away: the spool still drains
            if self.waiting_for is None:
                log.warning("tick stream unreadable (%s); reading the overflow spool only", err)
            self.waiting_for = "redis"
            got = []
            stream_err: Exception | None = err
        else:
            stream_err = None
        if got:
            return self._tag(0, got)
        spooled = spool.read(max_entries, 0)
        if spooled:
            return self._tag(1, spooled)
        if stream_err is not None:
            raise stream_err
        return self._tag(0, stream.read(max_entries, block_ms))

    def ack(self, entries: Sequence[Entry]) -> None:
        for i, source in enumerate(self.sources):
            mine = [replace(e, id=e.id[1]) for e in entries if e.id[0] == i]  # type: ignore[index]
            if mine:
                source.ack(mine)

    def depth(self) -> int:
        return self.sources[0].depth()

    def overflow_depth(self) -> int:
        """Bytes spilled to the spool and not yet committed."""
        return self.sources[1].depth()

    def close(self) -> None:
        for source in self.sources:
            source.close()
