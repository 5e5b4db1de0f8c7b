"""Private redis-server and mariadbd instances on spare ports, for outages: the shared services on 3306 and
6379 are never stopped. Used by fault tests and by ``bench/chaos.py``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_service(what: str, err: object) -> None:
    """Skip locally, fail in CI: a service or program the suite needs is not there."""
    msg = f"{what} is not available: {err}"
    if IN_CI:
        pytest.fail(msg + " (CI=true: services are required)", pytrace=False)
    pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, up: bool, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            ok = s.connect_ex(("127.0.0.1", port)) == 0
        if ok == up:
            return True
        time.sleep(0.05)
    return False


class PrivateRedis:
    """A redis-server in ``directory`` with an append-only file fsynced on every write, so a stop and
    start (an operator's restart) keeps every stream entry."""

    def __init__(self, directory: Path, port: int | None = None):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not _wait_port(self.port, True, 15):
            raise RuntimeError(f"private redis-server on {self.port} did not start")
        return self

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the append-only file is complete."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None
        _wait_port(self.port, False, 10)


class PrivateMariaDB:
    """A mariadbd on its own data directory and port (root, no password)."""

    def __init__(self, directory: Path, port: int | None = None):
        self.dir = directory
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def _install(self) -> None:
        data = self.dir / "data"
        if data.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> PrivateMariaDB:
        self._install()
        exe = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        self.proc = subprocess.Popen(
            [exe, "--no-defaults", f"--datadir={self.dir / 'data'}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.dir / 'mysqld.sock'}", "--user=root",
             f"--pid-file={self.dir / 'mysqld.pid'}", "--innodb-buffer-pool-size=256M",
             "--max-connections=500", f"--log-error={self.dir / 'error.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TZ": "UTC"},
        )  # fmt: skip
        if not _wait_port(self.port, True, 60):
            raise RuntimeError(f"private mariadbd on {self.port} did not start; see {self.dir}/error.log")
        return self

    def create_database(self, name: str) -> None:
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root")
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=120)
        self.proc = None
        _wait_port(self.port, False, 10)


def fresh_mariadb(server_url: str, tag: str) -> Iterator[str]:
    """A new, empty database on ``server_url``'s MariaDB server (named ``<db>_<tag><random>``), dropped
    afterwards. A generator for fixtures (``yield from``)."""
    base = make_url(server_url)
    name = f"{base.database or 'test'}_{tag}{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
