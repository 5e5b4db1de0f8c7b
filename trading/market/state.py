"""Crash-safe persistence of the simulated session, so a restarted market continues it.

Files in one directory (the data dir's ``market/``), written by the market's step before the step's
ticks are published:

* ``state.bin`` — two slots written alternately, in place, at every step: the step's clock time, the
  simulator's per-stock state (price process, last price, OHLC, cumulative volume and value, tick seq),
  the open minute's bars and the RNG state, with a CRC. A killed process leaves the last complete slot
  (the page cache keeps what was written, and rewriting the same pages costs no disk bandwidth);
  ``fsync`` every ``fsync_s`` bounds what an OS crash can take.
* ``minutes-<day>.bin`` — the day's closed minutes (written once, when a minute closes).
* ``outbox-0.bin`` / ``outbox-1.bin`` — the ticks of the last ``2 × outbox_steps`` steps. A restart
  publishes them again: a kill between saving a step and publishing it loses nothing (subscribers may
  see a tick twice, identical; the recorder's key makes that a no-op).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

from trading.market.simulator import MINUTE_ARRAYS, STATE_ARRAYS, MarketSimulator, SimState, TickBatch

log = logging.getLogger(__name__)

MAGIC = b"GSLTSMK1"
FILE_HEAD = struct.Struct("<8sII")  # magic, n stocks, slot size
SLOT_HEAD = struct.Struct("<8sQII")  # magic, step, payload length, crc32
RECORD_HEAD = struct.Struct("<QiII")  # step, day ordinal, ticks, crc32
JSON_MAX = 4096
_TICK_COLS = ("code_idx", "time", "seq", "price", "volume", "cum_volume", "cum_value")


@dataclass(slots=True)
class Saved:
    """What the last complete step left: the simulator, its clock time and the ticks to publish again."""

    step: int
    now: datetime
    clock: str  # "demo" | "real"
    seed: int
    codes: str  # digest of the stock list
    sim: SimState
    outbox: list[tuple[int, TickBatch]]  # (step, ticks) of the last steps, oldest first
    slot: int = 0  # the slot it came from (the next write goes to the other one)


def codes_digest(codes: Sequence[str]) -> str:
    return hashlib.sha1(",".join(codes).encode()).hexdigest()[:16]


class MarketState:
    """The files of one market's session (see the module docstring). Used under the market's lock."""

    def __init__(self, directory: Path, fsync_s: float = 5.0, outbox_steps: int = 10):
        self.dir = Path(directory)
        self.fsync_s = fsync_s
        self.outbox_steps = outbox_steps
        self.step = 0
        self._fd: int | None = None
        self._n = 0
        self._slot_size = 0
        self._slot = 0
        self._min_fd: int | None = None
        self._min_day: date | None = None
        self._min_closed = 0
        self._seg = 0
        self._seg_start = 1
        self._seg_fd: int | None = None
        self._synced = time.monotonic()

    # --- saving ------------------------------------------------------------------------------

    def save(self, sim: MarketSimulator, now: datetime, batch: TickBatch, clock: str) -> None:
        """Persist the session after a step (before its ticks go out)."""
        self.step += 1
        if len(batch):
            self._outbox(batch)
        self._minutes(sim)
        self._slot_write(sim, now, clock)
        if time.monotonic() - self._synced >= self.fsync_s:
            self.sync()

    def sync(self) -> None:
        for fd in (self._fd, self._min_fd):
            if fd is not None:
                os.fsync(fd)
        self._synced = time.monotonic()

    def close(self) -> None:
        for name in ("_fd", "_min_fd", "_seg_fd"):
            fd = getattr(self, name)
            if fd is not None:
                if name != "_seg_fd":
                    os.fsync(fd)
                os.close(fd)
                setattr(self, name, None)

    def _open(self, name: str, truncate: bool = False) -> int:
        self.dir.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if truncate else 0)
        return os.open(self.dir / name, flags, 0o600)

    def _slot_write(self, sim: MarketSimulator, now: datetime, clock: str) -> None:
        st = sim.state()
        minute = sim.open_minute()
        head = {
            "v": 1, "step": self.step, "now": now.isoformat(), "clock": clock, "seed": int(sim.seed),
            "codes": codes_digest(sim.codes), "n": sim.n, "day": st.day.isoformat(), "t": st.t,
            "opened": st.opened, "closed": st.closed, "rng": st.rng, "minute": minute,
        }  # fmt: skip
        raw = json.dumps(head).encode()
        if len(raw) > JSON_MAX:
            raise ValueError("market state header too large")
        parts = [
            struct.pack("<I", len(raw)),
            raw.ljust(JSON_MAX),
            np.asarray(st.prev_close, np.int64).tobytes(),
        ]
        parts += [np.asarray(st.arrays[k], dtype=dt).tobytes() for k, dt in STATE_ARRAYS.items()]
        parts += [np.ascontiguousarray(st.minutes[k][:, minute]).tobytes() for k in MINUTE_ARRAYS]
        payload = b"".join(parts)
        if self._fd is None or self._n != sim.n:
            self._fd = self._fd if self._fd is not None else self._open("state.bin")
            self._n, self._slot_size = sim.n, SLOT_HEAD.size + len(payload)
            os.pwrite(self._fd, FILE_HEAD.pack(MAGIC, self._n, self._slot_size), 0)
        self._slot ^= 1
        offset = FILE_HEAD.size + self._slot * self._slot_size
        os.pwrite(
            self._fd, SLOT_HEAD.pack(MAGIC, self.step, len(payload), zlib.crc32(payload)) + payload, offset
        )

    def _minutes(self, sim: MarketSimulator) -> None:
        """Write the minutes that closed since the last step (once each)."""
        if self._min_day != sim.day:
            if self._min_fd is not None:
                os.close(self._min_fd)
            for old in self.dir.glob("minutes-*.bin"):
                old.unlink(missing_ok=True)
            self._min_fd = self._open(f"minutes-{sim.day:%Y%m%d}.bin", truncate=True)
            self._min_day, self._min_closed = sim.day, 0
        minute = sim.open_minute()
        if minute <= self._min_closed:
            return
        st = sim.state()
        block = len(MINUTE_ARRAYS) * sim.n * 8
        for m in range(self._min_closed, minute):
            data = b"".join(np.ascontiguousarray(st.minutes[k][:, m]).tobytes() for k in MINUTE_ARRAYS)
            os.pwrite(self._min_fd, data, m * block)  # type: ignore[arg-type]
        self._min_closed = minute

    def _outbox(self, batch: TickBatch) -> None:
        if self._seg_fd is None or self.step - self._seg_start >= self.outbox_steps:
            if self._seg_fd is not None:
                os.close(self._seg_fd)
                self._seg ^= 1
            self._seg_fd = self._open(f"outbox-{self._seg}.bin", truncate=True)
            self._seg_start = self.step
        payload = _pack_batch(batch)
        day = batch.day.toordinal() if batch.day else 0
        os.write(self._seg_fd, RECORD_HEAD.pack(self.step, day, len(batch), zlib.crc32(payload)) + payload)

    # --- loading -----------------------------------------------------------------------------

    def load(self) -> Saved | None:
        """The last complete step, or None (nothing saved, or unreadable). Changes nothing: continue it
        with ``resume`` or start over with ``fresh``."""
        try:
            return self._load()
        except (OSError, ValueError, KeyError) as err:
            log.warning("market state in %s unreadable (%s): starting a new session", self.dir, err)
            return None

    def fresh(self) -> None:
        """Start a new session: what was saved goes."""
        self.close()
        for path in (*self.dir.glob("minutes-*.bin"), *self.dir.glob("outbox-*.bin"), self.dir / "state.bin"):
            path.unlink(missing_ok=True)
        self.step, self._slot, self._n = 0, 0, 0
        self._min_day, self._min_closed = None, 0

    def resume(self, saved: Saved) -> None:
        """Continue ``saved``: later steps number on, the next slot written is the other one, and the
        outbox keeps only the saved steps' ticks (a record of a step that was never saved must not pass
        for a later step of the same number)."""
        self.step, self._slot = saved.step, saved.slot
        self._min_day, self._min_closed = saved.sim.day, _minute_of(saved)
        self._min_fd = self._open(f"minutes-{saved.sim.day:%Y%m%d}.bin")
        for seg in (0, 1):
            (self.dir / f"outbox-{seg}.bin").unlink(missing_ok=True)
        self._seg, self._seg_fd = 0, self._open("outbox-0.bin", truncate=True)
        self._seg_start = saved.step + 1
        for step, batch in saved.outbox:
            payload = _pack_batch(batch)
            day = batch.day.toordinal() if batch.day else 0
            os.write(self._seg_fd, RECORD_HEAD.pack(step, day, len(batch), zlib.crc32(payload)) + payload)

    def _load(self) -> Saved | None:
        path = self.dir / "state.bin"
        if not path.exists():
            return None
        data = path.read_bytes()
        magic, n, slot_size = FILE_HEAD.unpack_from(data, 0)
        if magic != MAGIC:
            raise ValueError("not a market state file")
        best: tuple[int, bytes, int] | None = None
        for i in (0, 1):
            off = FILE_HEAD.size + i * slot_size
            if len(data) < off + SLOT_HEAD.size:
                continue
            m, step, length, crc = SLOT_HEAD.unpack_from(data, off)
            payload = data[off + SLOT_HEAD.size : off + SLOT_HEAD.size + length]
            valid = m == MAGIC and len(payload) == length and zlib.crc32(payload) == crc
            if valid and (best is None or step > best[0]):
                best = (step, payload, i)
        if best is None:
            raise ValueError("no complete slot")
        step, payload, slot = best
        (jlen,) = struct.unpack_from("<I", payload, 0)
        head = json.loads(payload[4 : 4 + jlen])
        pos = 4 + JSON_MAX
        prev_close = np.frombuffer(payload, np.int64, n, pos).copy()
        pos += n * 8
        arrays = {}
        for k, dt in STATE_ARRAYS.items():
            arrays[k] = np.frombuffer(payload, dt, n, pos).copy()
            pos += n * np.dtype(dt).itemsize
        day = date.fromisoformat(head["day"])
        minute = int(head["minute"])
        n_min = _minutes_in_session(day)
        minutes = {k: np.zeros((n, n_min), dtype=np.int64) for k in MINUTE_ARRAYS}
        for k in MINUTE_ARRAYS:
            minutes[k][:, minute] = np.frombuffer(payload, np.int64, n, pos)
            pos += n * 8
        self._read_minutes(day, n, minute, minutes)
        sim = SimState(
            day, float(head["t"]), bool(head["opened"]), bool(head["closed"]), head["rng"], prev_close, arrays,
            minutes,
        )  # fmt: skip
        outbox = [(s, b) for s, b in self._read_outbox(n) if s <= step]
        return Saved(step, datetime.fromisoformat(head["now"]), head["clock"], int(head["seed"]),
                     head["codes"], sim, outbox, slot)  # fmt: skip

    def _read_minutes(self, day: date, n: int, minute: int, minutes: dict[str, np.ndarray]) -> None:
        path = self.dir / f"minutes-{day:%Y%m%d}.bin"
        block = len(MINUTE_ARRAYS) * n * 8
        data = path.read_bytes() if path.exists() else b""
        have = min(minute, len(data) // block)
        if have < minute:
            log.warning("market state: minutes %d..%d of %s missing (bars start later)", have, minute, day)
        for m in range(have):
            cols = np.frombuffer(data, np.int64, len(MINUTE_ARRAYS) * n, m * block).reshape(-1, n)
            for j, k in enumerate(MINUTE_ARRAYS):
                minutes[k][:, m] = cols[j]

    def _read_outbox(self, n: int) -> list[tuple[int, TickBatch]]:
        out: dict[int, TickBatch] = {}
        for seg in (0, 1):
            path = self.dir / f"outbox-{seg}.bin"
            data = path.read_bytes() if path.exists() else b""
            pos = 0
            while pos + RECORD_HEAD.size <= len(data):
                step, day, count, crc = RECORD_HEAD.unpack_from(data, pos)
                size = count * (len(_TICK_COLS) * 8 + 9)
                payload = data[pos + RECORD_HEAD.size : pos + RECORD_HEAD.size + size]
                if len(payload) != size or zlib.crc32(payload) != crc:
                    break  # torn by a crash: the step it belongs to was never saved
                out[step] = _unpack_batch(payload, count, date.fromordinal(day) if day else None)
                pos += RECORD_HEAD.size + size
        return sorted(out.items())


def _minute_of(saved: Saved) -> int:
    st = saved.sim
    return 0 if not st.opened else min(int(st.t // 60), _minutes_in_session(st.day) - 1)


def _minutes_in_session(day: date) -> int:
    from trading.krx import krx_session_bounds

    open_, close = krx_session_bounds(day)
    return int((close - open_).total_seconds() // 60) + 1


def _pack_batch(b: TickBatch) -> bytes:
    cols = [np.asarray(getattr(b, c), dtype=np.int64).tobytes() for c in _TICK_COLS]
    return (
        b"".join(cols)
        + np.asarray(b.strength, np.float64).tobytes()
        + np.asarray(b.auction, np.uint8).tobytes()
    )


def _unpack_batch(payload: bytes, count: int, day: date | None) -> TickBatch:
    cols, pos = [], 0
    for _ in _TICK_COLS:
        cols.append(np.frombuffer(payload, np.int64, count, pos).copy())
        pos += count * 8
    strength = np.frombuffer(payload, np.float64, count, pos).copy()
    auction = np.frombuffer(payload, np.uint8, count, pos + count * 8).astype(bool)
    return TickBatch((), *cols, strength, auction, day)
