"""The durable buffer contract shared by the Redis Stream (full mode) and the spool file (embedded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


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
