"""Full-mode buffer: a Redis Stream with a consumer group.

One stream entry is one packed batch (fields ``n``, ``t``, ``d``, ``v``; see ``codec``), so Redis
handles thousands of ticks per command. The writer XACKs (and XDELs, to bound memory) only after the
database commit; a writer that dies leaves its entries pending, and the next writer re-claims them
with XAUTOCLAIM (at start, then every ``claim_every_s``). Inserts are idempotent, so a re-claimed
batch that was already committed is harmless.

The stream is bounded: ``StreamWriter.append`` raises ``BufferFull`` once it holds ``max_entries``
uncommitted entries, and the collector spills to the disk spool instead (see ``collector``). The
consumer group is created lazily, on the first read (and again after NOGROUP), so a reader can be
built while Redis is down.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis

from workers.recorder.buffer import BufferFull, Entry


def redis_client(url: str, socket_timeout: float = 5.0) -> redis.Redis:
    """A client for the recorder: short connect timeout and no retries inside redis-py (its default
    retries for seconds per command); the collector and the writer retry with their own backoff."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=socket_timeout,
                                retry=Retry(NoBackoff(), 0))  # fmt: skip


DEFAULT_STREAM = "gslts:ticks"
DEFAULT_GROUP = "tick-writers"
FORMAT_VERSION = b"1"


class StreamWriter:
    """Producer side: XADD one entry per batch, refusing (``BufferFull``) past ``max_entries``."""

    def __init__(self, client: redis.Redis, stream: str = DEFAULT_STREAM, max_entries: int | None = None):
        self.client = client
        self.stream = stream
        self.max_entries = max_entries

    def append(self, data: bytes, n: int, t_ms: int) -> None:
        if self.max_entries is not None and int(self.client.xlen(self.stream)) >= self.max_entries:
            raise BufferFull(f"stream {self.stream} holds {self.max_entries} entries")
        self.client.xadd(self.stream, {"v": FORMAT_VERSION, "n": n, "t": t_ms, "d": data})

    def has_room(self) -> bool:
        """Below half the bound (hysteresis for leaving the spill); raises when Redis is away."""
        if self.max_entries is None:
            return True
        return int(self.client.xlen(self.stream)) < max(self.max_entries // 2, 1)

    def close(self) -> None:
        self.client.close()


def _entry(entry_id: bytes, fields: dict[bytes, bytes] | None) -> Entry:
    """Decode one stream entry; anything unexpected becomes a malformed entry (acked, counted)."""
    try:
        if not fields or fields.get(b"v") != FORMAT_VERSION:
            raise ValueError("unknown format")
        return Entry(entry_id, int(fields[b"n"]), int(fields[b"t"]), bytes(fields[b"d"]))
    except (KeyError, ValueError, TypeError):
        return Entry(entry_id, 0, 0, b"", malformed=True)


class StreamReader:
    """Consumer side of the group; ``consumer`` names this writer process."""

    unit = "entries"

    def __init__(
        self,
        client: redis.Redis,
        stream: str = DEFAULT_STREAM,
        group: str = DEFAULT_GROUP,
        consumer: str = "writer",
        claim_idle_ms: int = 1000,
        claim_every_s: float = 5.0,
    ):
        self.client = client
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.claim_idle_ms = claim_idle_ms
        self.claim_every_s = claim_every_s
        self._claim_cursor: bytes | str | None = "0-0"  # claim everything idle at start
        self._next_claim = 0.0
        self.reclaimed = 0
        self._group_ok = False

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise
        self._group_ok = True

    def _claim(self, count: int) -> list[Entry]:
        """XAUTOCLAIM entries idle longer than ``claim_idle_ms`` (a dead writer's batches)."""
        start = self._claim_cursor or "0-0"
        res = self.client.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, start_id=start, count=count
        )
        cursor, claimed = res[0], res[1]
        deleted = res[2] if len(res) > 2 else []
        if deleted:  # pending ids whose entries are gone: nothing to write, just clear them
            self.client.xack(self.stream, self.group, *deleted)
        self._claim_cursor = None if cursor in (b"0-0", "0-0") else cursor
        out = [_entry(i, f) for i, f in claimed if f is not None]
        self.reclaimed += len(out)
        return out

    def read(self, max_entries: int = 50, block_ms: int = 200) -> list[Entry]:
        """Re-claimed or new entries; ``block_ms`` 0 does not wait. Raises while Redis is away."""
        if not self._group_ok:
            self.ensure_group()
        now = time.monotonic()
        if self._claim_cursor is not None or now >= self._next_claim:
            claimed = self._claim(max_entries)
            if self._claim_cursor is None:
                self._next_claim = now + self.claim_every_s
            if claimed:
                return claimed
        try:
            res = self.client.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=max_entries, block=block_ms or None
            )
        except redis.ResponseError as err:
            if "NOGROUP" not in str(err):
                raise
            self._group_ok = False
            return []
        return [_entry(i, f) for _, items in res or [] for i, f in items]

    def ack(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        ids = [e.id for e in entries]
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(self.stream, self.group, *ids)
        pipe.xdel(self.stream, *ids)
        pipe.execute()

    def depth(self) -> int:
        """Entries not yet committed: acked entries are deleted, so this is the stream length."""
        return int(self.client.xlen(self.stream))

    def close(self) -> None:
        self.client.close()
