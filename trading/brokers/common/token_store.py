"""Where access tokens live between processes: a 0600 JSON file (embedded mode) or Redis.

Both stores offer the same four operations plus a cross-process lock, so two processes that
need a token at the same moment serialise on the lock and only the first one asks the broker.
Keys are ``broker:env:<sha256(app key)[:16]>``: the app key is hashed, the secret is never used.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol


def token_key(broker: str, env: str, app_key: str) -> str:
    """Cache key for a broker/environment/app key; the app key appears only as a hash."""
    digest = hashlib.sha256(app_key.encode("utf-8")).hexdigest()[:16]
    return f"{broker}:{env}:{digest}"


class TokenStore(Protocol):
    def lock(self, key: str, timeout: float = 30.0) -> contextlib.AbstractContextManager[None]: ...
    def load(self, key: str) -> dict[str, Any] | None: ...
    def save(self, key: str, record: dict[str, Any]) -> None: ...
    def delete(self, key: str) -> None: ...


class FileTokenStore:
    """One 0600 JSON file per key under ``directory`` (0700), locked with ``flock``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        return self.directory / (key.replace(":", "-") + ".json")

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float = 30.0) -> Iterator[None]:
        self._ensure_dir()
        lock_path = self._path(key).with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"token lock {lock_path.name} held too long") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def save(self, key: str, record: dict[str, Any]) -> None:
        self._ensure_dir()
        path = self._path(key)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()


class RedisTokenStore:
    """Tokens in Redis under ``prefix + key``, locked with a Redis lock (shared by every process)."""

    def __init__(self, client: Any, prefix: str = "gslts:broker-token:"):
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "gslts:broker-token:") -> RedisTokenStore:
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float = 30.0) -> Iterator[None]:
        lock = self.client.lock(self.prefix + key + ":lock", timeout=timeout, blocking_timeout=timeout)
        if not lock.acquire():
            raise TimeoutError("token lock held too long")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                lock.release()

    def load(self, key: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + key)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def save(self, key: str, record: dict[str, Any]) -> None:
        expires_at = float(record.get("expires_at") or 0)
        ttl = int(max(expires_at - time.time(), 0)) + 3600  # keep issued_at past expiry for the issue limit
        self.client.set(self.prefix + key, json.dumps(record), ex=ttl)

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)


def default_token_store(settings: Any) -> TokenStore:
    """Redis when ``settings.redis_url`` is set, else files under ``settings.data_dir/tokens``."""
    if getattr(settings, "redis_url", None):
        return RedisTokenStore.from_url(settings.redis_url)
    return FileTokenStore(Path(settings.data_dir) / "tokens")
