"""Test input for the recorder: a deterministic tick source, a feed thread, a cuttable TCP proxy."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from trading.domain import KST, Tick
from workers.recorder.codec import pack_ticks

ROOT = Path(__file__).resolve().parents[2]  # the repository
CODES = [f"{i:06d}" for i in range(5930, 5930 + 40)]


class TickSource:
    """Deterministic ticks: round-robin over ``codes``, seq per code, 1 ms apart, seeded prices."""

    def __init__(self, codes: list[str] = CODES, start: datetime | None = None, seed: int = 1):
        self.codes = codes
        self.t = start or datetime(2026, 11, 23, 9, 0, tzinfo=KST)
        self.rng = random.Random(seed)
        self.seq = dict.fromkeys(codes, 0)
        self.cum = dict.fromkeys(codes, 0)
        self.i = 0

    def next(self) -> Tick:
        code = self.codes[self.i % len(self.codes)]
        self.i += 1
        self.t += timedelta(milliseconds=1)
        self.seq[code] += 1
        price = 10_000 + self.rng.randrange(0, 500) * 10
        vol = self.rng.randrange(1, 300)
        self.cum[code] += vol
        return Tick(code, self.t, self.seq[code], price, vol, self.cum[code], self.cum[code] * price, 100.0)

    def batch(self, n: int) -> list[Tick]:
        return [self.next() for _ in range(n)]


class FeedThread:
    """Appends a batch of ``per_entry`` ticks every ``interval_s`` to a buffer writer; keeps the keys."""

    def __init__(
        self, buffer, per_entry: int = 200, interval_s: float = 0.02, source: TickSource | None = None
    ):
        self.buffer = buffer
        self.per_entry = per_entry
        self.interval_s = interval_s
        self.source = source or TickSource()
        self.keys: set[tuple[str, int]] = set()
        self.emitted = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.emit_once()
            self._stop.wait(self.interval_s)

    def emit_once(self) -> None:
        with self.lock:
            ticks = self.source.batch(self.per_entry)
            self.buffer.append(pack_ticks(ticks), len(ticks), int(time.time() * 1000))
            self.keys.update((t.code, t.seq) for t in ticks)
            self.emitted += len(ticks)

    def start(self) -> FeedThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def table_keys(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(c, int(s)) for c, s in conn.execute(text("SELECT stock_code, seq FROM tick_data"))]


def wait_rows(engine: Engine, n: int, timeout: float = 40.0) -> int:
    deadline = time.time() + timeout
    got = 0
    while time.time() < deadline:
        with engine.connect() as conn:
            got = conn.execute(text("SELECT COUNT(*) FROM tick_data")).scalar_one()
        if got >= n:
            return got
        time.sleep(0.25)
    return got


def start_writer(*args: str) -> subprocess.Popen:
    """``python -m workers.recorder writer ...`` as a real child process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "workers.recorder", "writer", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class TcpProxy:
    """127.0.0.1:<ephemeral> → target; ``cut()`` closes the listener and drops every connection."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._up = threading.Event()

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def _listen(self) -> None:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        self.port = s.getsockname()[1]
        s.listen(64)
        s.settimeout(0.1)
        self._listener = s
        self._up.set()
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._up.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._conns.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> None:
        self._up.clear()
        if self._listener:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for s in conns:
            self._close(s)

    def restore(self) -> None:
        self._listen()

    def close(self) -> None:
        self.cut()


class ManualClock:
    """Simulated time that a test moves forward (input for the paper market service)."""

    def __init__(self, t: datetime):
        self.t = t

    def now(self) -> datetime:
        return self.t

    def session_date(self):  # noqa: ANN201 - date
        return self.t.date()

    def phase(self):  # noqa: ANN201 - the KRX phase
        from trading.krx import phase_at

        return phase_at(self.t)
