"""Writes packed tick rows to ``tick_data``, idempotently (the primary key drops replays).

MariaDB: ``LOAD DATA LOCAL INFILE ... IGNORE`` from a file on tmpfs when the server allows it
(``@@local_infile``) — otherwise multi-row ``INSERT IGNORE`` in chunks. SQLite: ``INSERT OR IGNORE``.
Each ``write`` is one transaction; on any database error the connection is dropped and the error
re-raised as ``SinkError``, and the next ``write`` reconnects.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pymysql
from sqlalchemy.engine import make_url

# The order of a packed tick row (see workers/recorder/codec.py): exactly tick_data's columns.
COLUMNS = ("stock_code", "tick_time", "seq", "price", "volume", "cum_volume", "cum_value", "strength")
INSERT_CHUNK = 5000
_TMP_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def parse_rows(rows: bytes) -> list[tuple[str, datetime, int, int, int, int, int, float]]:
    """Rows as typed tuples (for the multi-row INSERT path and tests)."""
    out = []
    for line in rows.decode("ascii").splitlines():
        c, ts, seq, price, vol, cv, cval, st = line.split(",")
        out.append(
            (c, datetime.fromisoformat(ts), int(seq), int(price), int(vol), int(cv), int(cval), float(st))
        )
    return out


class SinkError(RuntimeError):
    """The database did not take the batch (nothing of it is committed)."""


class TickSink(Protocol):
    method: str

    def write(self, rows: bytes) -> None: ...
    def close(self) -> None: ...


def mysql_connect_args(url: str, **extra: object) -> dict[str, object]:
    """pymysql ``connect`` keyword arguments for a SQLAlchemy MariaDB URL."""
    u = make_url(url)
    args: dict[str, object] = {
        "host": u.host or "127.0.0.1",
        "port": u.port or 3306,
        "user": u.username or "root",
        "password": u.password or "",
        "database": u.database,
        "charset": "utf8mb4",
        "autocommit": False,
    }
    args.update(extra)
    return args


def _insert_values(rows: bytes) -> list[bytes]:
    """``('code','time',n,...)`` tuples from validated rows (digits/codes only, safe to inline)."""
    out = []
    for line in rows.split(b"\n"):
        if line:
            code, ts, rest = line.split(b",", 2)
            out.append(b"('" + code + b"','" + ts + b"'," + rest + b")")
    return out


class MariaSink:
    """MariaDB writer; ``use_load_data=None`` means "when the server allows it"."""

    def __init__(
        self,
        url: str,
        use_load_data: bool | None = None,
        connect_timeout: int = 5,
        io_timeout: int = 30,
        table: str = "tick_data",
    ):
        self.url = url
        self.table = table
        self.want_load_data = use_load_data
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.conn: pymysql.connections.Connection | None = None
        self.method = "load_data" if use_load_data is not False else "insert"
        fd, self._tmp = tempfile.mkstemp(prefix="gslts-ticks-", suffix=".csv", dir=_TMP_DIR)
        os.close(fd)

    def _connect(self) -> pymysql.connections.Connection:
        conn = pymysql.connect(
            **mysql_connect_args(
                self.url,
                local_infile=self.want_load_data is not False,
                connect_timeout=self.connect_timeout,
                read_timeout=self.io_timeout,
                write_timeout=self.io_timeout,
            )
        )
        if self.want_load_data is not False:
            with conn.cursor() as cur:
                cur.execute("SELECT @@local_infile")
                on = bool(cur.fetchone()[0])
            self.method = "load_data" if on else "insert"
        return conn

    def write(self, rows: bytes) -> None:
        if not rows:
            return
        try:
            if self.conn is None:
                self.conn = self._connect()
            with self.conn.cursor() as cur:
                if self.method == "load_data":
                    Path(self._tmp).write_bytes(rows)
                    cur.execute(
                        f"LOAD DATA LOCAL INFILE %s IGNORE INTO TABLE {self.table} "
                        "FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' "
                        f"({', '.join(COLUMNS)})",
                        (self._tmp,),
                    )
                else:
                    values = _insert_values(rows)
                    head = f"INSERT IGNORE INTO {self.table} ({', '.join(COLUMNS)}) VALUES ".encode()
                    for i in range(0, len(values), INSERT_CHUNK):
                        cur.execute(head + b",".join(values[i : i + INSERT_CHUNK]))
            self.conn.commit()
        except (pymysql.MySQLError, OSError) as err:
            self._drop()
            raise SinkError(str(err)) from err

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # the socket may already be gone
                self.conn.close()
            self.conn = None

    def close(self) -> None:
        self._drop()
        Path(self._tmp).unlink(missing_ok=True)


class SqliteSink:
    """SQLite writer: ``INSERT OR IGNORE`` with times stored as SQLAlchemy stores them."""

    method = "insert_or_ignore"

    def __init__(self, url: str, table: str = "tick_data"):
        self.path = url.split("///", 1)[-1]
        self.table = table
        self.conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def write(self, rows: bytes) -> None:
        if not rows:
            return
        params = [
            (c, t.strftime("%Y-%m-%d %H:%M:%S.%f"), s, p, v, cv, cval, st)
            for c, t, s, p, v, cv, cval, st in parse_rows(rows)
        ]
        try:
            if self.conn is None:
                self.conn = self._connect()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(
                    f"INSERT OR IGNORE INTO {self.table} ({', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?,?,?)",
                    params,
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            raise SinkError(str(err)) from err

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def make_sink(url: str, use_load_data: bool | None = None) -> TickSink:
    """The sink for a database URL."""
    if url.startswith("sqlite"):
        return SqliteSink(url)
    return MariaSink(url, use_load_data=use_load_data)
