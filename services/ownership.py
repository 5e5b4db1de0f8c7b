"""Leases: which process owns the paper market or a broker account.

* Embedded mode: ``FileLease``, an exclusive ``flock`` on ``<data dir>/owner.<scope>.lock`` held for the
  process's life (a crash releases it). The file names the holder (pid, command) for error messages.
* Full mode: ``RedisLease``, ``SET key NX PX ttl`` renewed every ``ttl/3`` by a thread; a holder that
  cannot renew within its ttl stops sending (``NOT_OWNER``) and ``on_lost`` runs when another process
  took over.

Either way the fencing token comes from ``owner_fences`` (a database counter that only grows), and the
journal and the paper store write only under the current token.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from sqlalchemy import Engine

from db.repositories.owners import current_fence, next_fence
from trading.brokers.errors import OrderRejected, Reason

log = logging.getLogger(__name__)


class OwnedElsewhere(RuntimeError):
    """Another process holds the lease (the message says which, and what to do)."""


def holder_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()} {' '.join(sys.argv[:2])[:60]}"


def _safe(scope: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", scope)


class FileLease:
    """An exclusive lock on a file in the data dir; see the module docstring."""

    def __init__(self, data_dir: Path, scope: str, engine: Engine):
        self.scope = scope
        self.path = Path(data_dir) / f"owner.{_safe(scope)}.lock"
        self.engine = engine
        self.token = 0
        self._fd: int | None = None

    def holder(self) -> dict:
        """What the lock file says about its holder ({} when unreadable)."""
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        self.token = next_fence(self.engine, self.scope, holder_label())
        info = json.dumps({"pid": os.getpid(), "holder": holder_label(), "token": self.token}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
        return True

    def acquire(self, wait_s: float = 0.0) -> FileLease:
        """Take the lock, waiting up to ``wait_s``; ``OwnedElsewhere`` if another process keeps it."""
        deadline = time.monotonic() + wait_s
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                who = self.holder()
                raise OwnedElsewhere(
                    f"{self.scope} is owned by another process ({who.get('holder', 'unknown')}, pid "
                    f"{who.get('pid', '?')}) using the data dir {self.path.parent}"
                )
            time.sleep(0.1)
        return self

    def check(self) -> None:
        if self._fd is None:
            raise OrderRejected(Reason.NOT_OWNER, f"{self.scope}: lease released")

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLease:
    """A renewed Redis lease; see the module docstring."""

    def __init__(
        self,
        url: str,
        scope: str,
        engine: Engine,
        *,
        prefix: str,
        ttl_s: float = 15.0,
        on_lost: Callable[[str], None] | None = None,
    ):
        self.scope = scope
        self.engine = engine
        self.ttl_s = ttl_s
        self.on_lost = on_lost
        self.key = f"{prefix}lease:{scope}"
        self.value = f"{uuid.uuid4().hex} {holder_label()}"
        self.redis = redis.Redis.from_url(url, socket_timeout=max(1.0, ttl_s / 5))
        self.token = 0
        self.lost = False
        self._last_ok = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)

    def holder(self) -> str | None:
        with contextlib.suppress(redis.RedisError):
            raw = self.redis.get(self.key)
            return raw.decode() if raw else None
        return None

    def try_acquire(self) -> bool:
        if not self.redis.set(self.key, self.value, nx=True, px=int(self.ttl_s * 1000)):
            return False
        self.token = next_fence(self.engine, self.scope, self.value)
        self._last_ok = time.monotonic()
        return True

    def acquire(self, wait_s: float = 0.0) -> RedisLease:
        """Take the lease, waiting up to ``wait_s`` (a standby); ``OwnedElsewhere`` if it stays taken."""
        deadline = time.monotonic() + wait_s
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise OwnedElsewhere(
                    f"{self.scope} is owned by another process ({self.holder() or 'unknown'})"
                )
            time.sleep(min(1.0, self.ttl_s / 5))
        self._thread = threading.Thread(target=self._keep, name=f"lease-{self.scope}", daemon=True)
        self._thread.start()
        return self

    def _keep(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                if self._renew(keys=[self.key], args=[self.value, int(self.ttl_s * 1000)]):
                    self._last_ok = time.monotonic()
                    continue
                # The key is gone (Redis restarted, or it expired during an outage): take it back only if
                # nobody took the fencing token meanwhile.
                if self.redis.set(self.key, self.value, nx=True, px=int(self.ttl_s * 1000)):
                    cur = current_fence(self.engine, self.scope)
                    if cur is not None and cur[0] == self.token:
                        self._last_ok = time.monotonic()
                        log.warning("lease %s: re-taken after the key vanished", self.scope)
                        continue
                    self._release(keys=[self.key], args=[self.value])
                self._lose(f"another process owns {self.scope} now ({self.holder() or 'unknown'})")
                return
            except redis.RedisError as err:
                log.warning("lease %s: cannot renew (%s)", self.scope, err)
            except Exception:  # noqa: BLE001 - the database may be down; keep trying
                log.exception("lease %s: renewal failed", self.scope)

    def _lose(self, why: str) -> None:
        self.lost = True
        log.error("lease %s lost: %s", self.scope, why)
        if self.on_lost is not None:
            self.on_lost(why)

    def check(self) -> None:
        if self.lost:
            raise OrderRejected(Reason.NOT_OWNER, f"{self.scope}: lease lost")
        if time.monotonic() - self._last_ok > self.ttl_s * 0.8:
            raise OrderRejected(
                Reason.NOT_OWNER, f"{self.scope}: lease not renewed for {self.ttl_s * 0.8:.0f} s"
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with contextlib.suppress(redis.RedisError):
            self._release(keys=[self.key], args=[self.value])
        self.redis.close()
