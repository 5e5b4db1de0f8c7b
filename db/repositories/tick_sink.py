"""Writes packed tick rows to ``tick_data``, idempotently (the primary key drops replays), and the
minute bars they touch.

MariaDB: ``LOAD DATA LOCAL INFILE ... IGNORE`` from a file on tmpfs when the server allows it
(``@@local_infile``) — otherwise multi-row ``INSERT IGNORE`` in chunks. SQLite: ``INSERT OR IGNORE``.
Each ``write`` is one transaction: the rows, and a mark in ``minute_bar_dirty`` for every (code,
minute) they touch; ``recompute_bars`` (run by the writer about once a second) rebuilds the marked bars
from ``tick_data`` and clears the marks in one transaction, so minute bars always come back equal to
their committed ticks, whatever crashed in between (see ``ticks.recompute_pairs_sql``).

Errors: a transient one (connection, lock wait, deadlock, a missing table or grant that an operator
fixes) is ``SinkError`` — retry the batch; one the database gives for the data itself (a trigger's
refusal, an invalid time, a constraint) is ``RowsRefused`` — the caller bisects the batch down to the
refused rows and files them with ``dead_letter`` (table ``tick_dead_letters``). On any error the
connection is dropped, and the next ``write`` reconnects.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import pymysql
from sqlalchemy.engine import make_url

from db.repositories.ticks import MinuteKey, recompute_pairs_sql
from trading.timeconv import now_naive_kst

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
    """The database did not take the batch (nothing of it is committed); transient: retry it."""


class RowsRefused(SinkError):
    """The database refused the batch for its data (nothing of it is committed): bisect it."""


# pymysql error numbers that say "the database is away or busy", not "this row is wrong". A missing
# table, database or grant is waited out too: an operator fixes it, and filing every row as a dead
# letter meanwhile would be wrong.
TRANSIENT_ERRNOS = frozenset({
    1040, 1053, 1205, 1213, 1290, 1792, 1836, 1927, 1969, 4031,  # busy, shutdown, locks, read-only
    2002, 2003, 2005, 2006, 2013, 2014, 2055,  # client: cannot connect, gone away, lost
    1044, 1045, 1049, 1054, 1142, 1146,  # access, unknown database/column/table
})  # fmt: skip

DeadLetter = tuple[bytes, str]  # (raw row without its newline, reason)


def mysql_transient(err: BaseException) -> bool:
    """True when a pymysql error (or an OS error) is worth retrying as it is."""
    if isinstance(err, OSError | pymysql.err.InterfaceError):
        return True
    errno = err.args[0] if err.args and isinstance(err.args[0], int) else 0
    return errno in TRANSIENT_ERRNOS or errno < 1000


class TickSink(Protocol):
    method: str

    def write(self, rows: bytes) -> None: ...
    def recompute_bars(self) -> int: ...
    def dead_letter(self, rows: Sequence[DeadLetter]) -> None: ...
    def close(self) -> None: ...


def touched_minutes(rows: bytes) -> list[tuple[str, datetime]]:
    """The (code, minute start) pairs of validated packed rows: the minute bars a write changes.

    Every distinct time (to the second) is parsed, so an impossible time (month 13, Feb 30, 25:61)
    is refused here instead of being stored as a zero date by ``LOAD DATA ... IGNORE``."""
    stamps: set[bytes] = set()
    pairs: set[bytes] = set()
    for line in rows.split(b"\n"):
        if line:
            stamps.add(line[7:26])
            pairs.add(line[:23])  # code,YYYY-MM-DD HH:MM
    try:
        for s in stamps:
            datetime.strptime(s.decode("ascii"), "%Y-%m-%d %H:%M:%S")
    except ValueError as err:
        raise RowsRefused(f"invalid tick_time: {err}") from None
    return [
        (p[:6].decode("ascii"), datetime.strptime(p[7:].decode("ascii"), "%Y-%m-%d %H:%M")) for p in pairs
    ]


def _keys(pairs: list[tuple[str, datetime]], fmt: str) -> list[MinuteKey]:
    return [(c, f"{m:{fmt}}", f"{m + timedelta(minutes=1):{fmt}}") for c, m in pairs]


def _mark_sql(verb: str, keys: list[MinuteKey]) -> str:
    values = ",".join(f"('{c}','{lo}','{hi}')" for c, lo, hi in keys)
    return f"{verb} INTO minute_bar_dirty (code, time, time_end) VALUES {values}"


BAR_CHUNK = 400  # minutes per recompute statement (SQLite allows 500 SELECTs in a compound)
MYSQL_TIME = "%Y-%m-%d %H:%M:%S"


def _dead_letter_params(rows: Sequence[DeadLetter], now: str | datetime) -> list[tuple]:
    out = []
    for raw, reason in rows:
        code = raw[:6].decode("ascii", "replace")
        out.append((now, hashlib.sha256(raw).hexdigest(), code, reason[:500], raw.decode("utf-8", "replace")))
    return out


DEAD_LETTER_COLUMNS = "(created_at, row_hash, stock_code, reason, raw_row)"


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
        keys = _keys(touched_minutes(rows), MYSQL_TIME)
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
                if self.table == "tick_data":
                    cur.execute(_mark_sql("INSERT IGNORE", keys))
            self.conn.commit()
        except (pymysql.MySQLError, OSError) as err:
            self._drop()
            if mysql_transient(err):
                raise SinkError(str(err)) from err
            raise RowsRefused(str(err)) from err

    def recompute_bars(self) -> int:
        """Rebuild the bars of every marked minute from tick_data and clear the marks (one transaction);
        returns the minutes recomputed."""
        try:
            if self.conn is None:
                self.conn = self._connect()
            with self.conn.cursor() as cur:
                cur.execute("SELECT code, time, time_end FROM minute_bar_dirty FOR UPDATE")
                keys = [(c, f"{lo:{MYSQL_TIME}}", f"{hi:{MYSQL_TIME}}") for c, lo, hi in cur.fetchall()]
                for i in range(0, len(keys), BAR_CHUNK):
                    chunk = keys[i : i + BAR_CHUNK]
                    cur.execute(recompute_pairs_sql("mariadb", chunk))
                    listed = ",".join(f"('{c}','{lo}')" for c, lo, _ in chunk)
                    cur.execute(f"DELETE FROM minute_bar_dirty WHERE (code, time) IN ({listed})")
            self.conn.commit()
            return len(keys)
        except (pymysql.MySQLError, OSError) as err:
            self._drop()
            raise SinkError(str(err)) from err

    def dead_letter(self, rows: Sequence[DeadLetter]) -> None:
        """File refused rows in ``tick_dead_letters`` (a row already filed is ignored)."""
        if not rows:
            return
        try:
            if self.conn is None:
                self.conn = self._connect()
            with self.conn.cursor() as cur:
                cur.executemany(
                    f"INSERT IGNORE INTO tick_dead_letters {DEAD_LETTER_COLUMNS} VALUES (%s, %s, %s, %s, %s)",
                    _dead_letter_params(rows, now_naive_kst()),
                )
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


SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # as SQLAlchemy stores DATETIME on SQLite


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
        try:
            params = [
                (c, t.strftime(SQLITE_TIME), s, p, v, cv, cval, st)
                for c, t, s, p, v, cv, cval, st in parse_rows(rows)
            ]
        except ValueError as err:
            raise RowsRefused(f"invalid row: {err}") from None
        keys = _keys(touched_minutes(rows), SQLITE_TIME)
        self._transaction(
            lambda conn: (
                conn.executemany(
                    f"INSERT OR IGNORE INTO {self.table} ({', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?,?,?)",
                    params,
                ),
                self.table == "tick_data" and conn.execute(_mark_sql("INSERT OR IGNORE", keys)),
            )
        )

    def recompute_bars(self) -> int:
        """Rebuild the bars of every marked minute from tick_data and clear the marks (one transaction)."""
        done: list[int] = []

        def body(conn: sqlite3.Connection) -> None:
            keys = [tuple(r) for r in conn.execute("SELECT code, time, time_end FROM minute_bar_dirty")]
            for i in range(0, len(keys), BAR_CHUNK):
                chunk = keys[i : i + BAR_CHUNK]
                conn.execute(recompute_pairs_sql("sqlite", chunk))  # type: ignore[arg-type]
                listed = ",".join(f"('{c}','{lo}')" for c, lo, _ in chunk)
                conn.execute(f"DELETE FROM minute_bar_dirty WHERE (code, time) IN (VALUES {listed})")
            done.append(len(keys))

        self._transaction(body)
        return done[0] if done else 0

    def dead_letter(self, rows: Sequence[DeadLetter]) -> None:
        """File refused rows in ``tick_dead_letters`` (a row already filed is ignored)."""
        if not rows:
            return
        params = _dead_letter_params(rows, now_naive_kst().strftime("%Y-%m-%d %H:%M:%S.%f"))
        self._transaction(
            lambda conn: conn.executemany(
                f"INSERT OR IGNORE INTO tick_dead_letters {DEAD_LETTER_COLUMNS} VALUES (?, ?, ?, ?, ?)",
                params,
            )
        )

    def _transaction(self, body) -> None:  # noqa: ANN001 - Callable[[sqlite3.Connection], object]
        """Run ``body`` in one ``BEGIN IMMEDIATE`` transaction; errors become Sink errors."""
        try:
            if self.conn is None:
                self.conn = self._connect()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                body(self.conn)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            if isinstance(err, sqlite3.IntegrityError | sqlite3.DataError):
                raise RowsRefused(str(err)) from err
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
