"""Embedded-mode buffer: an append-only spool of segment files plus a committed-offset file.

Record format, one line per batch: ``n<TAB>t_ms<TAB>crc32-hex<TAB>rows`` where ``rows`` is the
packed CSV batch (see ``codec``) with its newlines replaced by ``|``, then ``\\n``.

fsync policy (``fsync``): ``"interval"`` (default) — every append is one ``write()`` to an O_APPEND
file, so a killed process (kill -9) loses nothing the recorder accepted; ``fsync()`` runs at most every
``fsync_interval_s`` (0.5 s), so a power cut loses at most that much. ``"always"`` fsyncs every
append; ``"never"`` leaves it to the OS.

Recovery: the committed-offset file (``committed.json``: segment number and byte offset, written
atomically after each database commit) says where the reader resumes. A torn last line (a crash
mid-write) is detected — no trailing newline, or a CRC mismatch — and skipped: the writer side
truncates an unterminated tail when it opens the segment, and the reader counts a bad line as
malformed and moves past it. Segments roll over at ``segment_bytes`` and are deleted once fully
committed.
"""

from __future__ import annotations

import json
import os
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from workers.recorder.buffer import Entry

SEGMENT_RE = re.compile(r"^spool-(\d{8})\.log$")
COMMITTED = "committed.json"


def _segments(directory: Path) -> list[int]:
    out = []
    for p in directory.glob("spool-*.log"):
        m = SEGMENT_RE.match(p.name)
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


def segment_path(directory: Path, number: int) -> Path:
    return directory / f"spool-{number:08d}.log"


def encode_record(data: bytes, n: int, t_ms: int) -> bytes:
    body = data.replace(b"\n", b"|")
    return b"%d\t%d\t%08x\t%s\n" % (n, t_ms, zlib.crc32(body), body)


def decode_record(line: bytes) -> tuple[int, int, bytes] | None:
    """(n, t_ms, rows) of a complete record line without its newline; None when corrupt."""
    try:
        n, t_ms, crc, body = line.split(b"\t", 3)
        if int(crc, 16) != zlib.crc32(body):
            return None
        data = body.replace(b"|", b"\n")
        return int(n), int(t_ms), data
    except ValueError:
        return None


def truncate_torn_tail(path: Path) -> int:
    """Cut an unterminated last line (a crash mid-append); returns the bytes removed."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as f:
        pos = size
        chunk = 1 << 16
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            buf = f.read(pos - start)
            nl = buf.rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            pos = start
        else:
            keep = 0
        if keep < size:
            f.truncate(keep)
        return size - keep


class SpoolWriter:
    """Producer side: appends records; thread-safe for one process (one ``write`` per record)."""

    def __init__(
        self,
        directory: str | Path,
        fsync: str = "interval",
        fsync_interval_s: float = 0.5,
        segment_bytes: int = 64 << 20,
    ):
        if fsync not in ("interval", "always", "never"):
            raise ValueError("fsync must be interval, always or never")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self.fsync_interval_s = fsync_interval_s
        self.segment_bytes = segment_bytes
        segs = _segments(self.dir)
        self.number = segs[-1] if segs else 1
        path = segment_path(self.dir, self.number)
        self.torn_bytes = truncate_torn_tail(path) if path.exists() else 0
        self._open()
        self._last_sync = time.monotonic()

    def _open(self) -> None:
        path = segment_path(self.dir, self.number)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.size = os.fstat(self.fd).st_size

    def append(self, data: bytes, n: int, t_ms: int) -> None:
        rec = encode_record(data, n, t_ms)
        if self.size and self.size + len(rec) > self.segment_bytes:
            os.fsync(self.fd)
            os.close(self.fd)
            self.number += 1
            self._open()
        os.write(self.fd, rec)
        self.size += len(rec)
        now = time.monotonic()
        if self.fsync == "always" or (
            self.fsync == "interval" and now - self._last_sync >= self.fsync_interval_s
        ):
            os.fsync(self.fd)
            self._last_sync = now

    def close(self) -> None:
        try:
            if self.fsync != "never":
                os.fsync(self.fd)
            os.close(self.fd)
        except OSError:
            pass


class SpoolReader:
    """Consumer side: reads complete records after the committed offset; ``ack`` moves it."""

    unit = "bytes"

    def __init__(self, directory: str | Path, read_bytes: int = 8 << 20):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.read_bytes = read_bytes
        self.segment, self.offset = self._load_committed()
        self.pos = (self.segment, self.offset)
        self.skipped_bytes = 0

    def _load_committed(self) -> tuple[int, int]:
        try:
            c = json.loads((self.dir / COMMITTED).read_text())
            return int(c["segment"]), int(c["offset"])
        except (FileNotFoundError, ValueError, KeyError):
            segs = _segments(self.dir)
            return (segs[0] if segs else 1), 0

    def _save_committed(self) -> None:
        tmp = self.dir / (COMMITTED + ".tmp")
        with open(tmp, "w") as f:
            json.dump({"segment": self.segment, "offset": self.offset}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.dir / COMMITTED)

    def read(self, max_entries: int = 50, block_ms: int = 200) -> list[Entry]:
        deadline = time.monotonic() + block_ms / 1000.0
        while True:
            out = self._read_once(max_entries)
            if out or time.monotonic() >= deadline:
                return out
            time.sleep(0.02)

    def _read_once(self, max_entries: int) -> list[Entry]:
        seg, off = self.pos
        path = segment_path(self.dir, seg)
        try:
            with open(path, "rb") as f:
                f.seek(off)
                buf = f.read(self.read_bytes)
        except FileNotFoundError:
            buf = b""
        out: list[Entry] = []
        start = 0
        while len(out) < max_entries:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            rec = decode_record(buf[start:nl])
            end = off + nl + 1
            if rec is None:
                out.append(Entry((seg, end), 0, 0, b"", malformed=True))
            else:
                out.append(Entry((seg, end), rec[0], rec[1], rec[2]))
            start = nl + 1
        if out:
            self.pos = out[-1].id  # type: ignore[assignment]
            return out
        later = [s for s in _segments(self.dir) if s > seg]
        if later and len(buf) < self.read_bytes:
            # the producer moved on: whatever is left in this segment is a torn tail
            self.skipped_bytes += len(buf) - start
            if buf[start:]:
                out.append(Entry((later[0], 0), 0, 0, b"", malformed=True))
                self.pos = (later[0], 0)
                return out
            self.pos = (later[0], 0)
            return self._read_once(max_entries)
        return []

    def ack(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        last = max(e.id for e in entries)  # type: ignore[type-var]
        self.segment, self.offset = last  # type: ignore[misc]
        self._save_committed()
        for s in _segments(self.dir):
            if s < self.segment:
                segment_path(self.dir, s).unlink(missing_ok=True)

    def depth(self) -> int:
        """Bytes written but not yet committed."""
        total = 0
        for s in _segments(self.dir):
            if s < self.segment:
                continue
            size = segment_path(self.dir, s).stat().st_size
            total += size - (self.offset if s == self.segment else 0)
        return max(total, 0)

    def close(self) -> None:
        return None


def spool_pending(directory: str | Path) -> bool:
    """True while the spool in ``directory`` holds bytes written but not yet committed."""
    return SpoolReader(directory).depth() > 0
