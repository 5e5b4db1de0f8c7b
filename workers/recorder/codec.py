"""The buffered batch format: packed CSV rows, one buffer entry per batch of ticks.

A row is ``code,YYYY-MM-DD HH:MM:SS.fff,seq,price,volume,cum_volume,cum_value,strength\\n`` with the
tick time as naive KST — exactly the column order of ``tick_data``, so a batch can go to
``LOAD DATA LOCAL INFILE`` unchanged. A buffer entry carries ``n`` (row count), ``t`` (epoch ms when
the first tick of the batch reached the recorder, for tick-to-db latency) and ``d`` (the rows).

Validation is one compiled regex over the whole payload (C speed, no per-tick Python objects); only
a payload that fails it is split line by line so its good rows survive and its bad rows are counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from trading.domain import KST, Tick

_ROW = (
    rb"[0-9A-Z]{6},[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3},"
    rb"[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+(?:\.[0-9]+)?\n"
)
ROW_RE = re.compile(_ROW)
PAYLOAD_RE = re.compile(rb"(?:" + _ROW + rb")*")
KST_OFFSET_MS = 9 * 3600 * 1000
_ROW_FMT = "%s,%d,%d,%d,%d,%d,%d.%02d\n"


@dataclass(frozen=True, slots=True)
class Checked:
    """A validated payload: the good rows (bytes) and how many rows were good / bad."""

    rows: bytes
    good: int
    bad: int


def tick_row(t: Tick) -> str:
    """One CSV row for a domain ``Tick`` (time converted to naive KST, millisecond precision)."""
    ts = t.time.astimezone(KST) if t.time.tzinfo else t.time
    return (
        f"{t.code},{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond // 1000:03d},{t.seq},{t.price},"
        f"{t.volume},{t.cum_volume},{t.cum_value},{round(float(t.strength), 2)}\n"
    )


def pack_ticks(ticks: Iterable[Tick]) -> bytes:
    """Packed rows for domain ticks (the broker-callback path)."""
    return "".join(map(tick_row, ticks)).encode("ascii")


def pack_columns(
    codes: Sequence[str],
    code_idx: np.ndarray,
    time_ms: np.ndarray,
    seq: np.ndarray,
    price: np.ndarray,
    volume: np.ndarray,
    cum_volume: np.ndarray,
    cum_value: np.ndarray,
    strength: np.ndarray,
) -> bytes:
    """Packed rows from column arrays (the vectorised simulator path); ``time_ms`` is epoch ms.

    Times are formatted by numpy in one call; the row join is a single ``%`` format per row over
    plain lists (about 1.2 µs a row), with no ``Tick`` objects.
    """
    if len(code_idx) == 0:
        return b""
    local = (np.asarray(time_ms, dtype=np.int64) + KST_OFFSET_MS).astype("datetime64[ms]")
    code_list = np.asarray(codes, dtype=object)[np.asarray(code_idx)].tolist()
    head = [
        c + "," + t[:10] + " " + t[11:]
        for c, t in zip(code_list, np.datetime_as_string(local, unit="ms").tolist(), strict=True)
    ]
    s100 = np.rint(np.asarray(strength, dtype=np.float64) * 100).astype(np.int64)
    rows = zip(
        head,
        np.asarray(seq).tolist(),
        np.asarray(price).tolist(),
        np.asarray(volume).tolist(),
        np.asarray(cum_volume).tolist(),
        np.asarray(cum_value).tolist(),
        (s100 // 100).tolist(),
        (s100 % 100).tolist(),
        strict=True,
    )
    return "".join([_ROW_FMT % r for r in rows]).encode("ascii")


def check(payload: bytes, n: int | None = None) -> Checked:
    """Validate a payload; a fully valid one costs one regex match and one count."""
    if PAYLOAD_RE.fullmatch(payload):
        good = payload.count(b"\n")
        if n is None or good == n:
            return Checked(payload, good, 0)
        return Checked(payload, good, max(n - good, 0))
    lines = payload.split(b"\n")
    tail = lines.pop()  # text after the last newline: a torn row when non-empty
    kept = [ln + b"\n" for ln in lines if ROW_RE.fullmatch(ln + b"\n")]
    bad = len(lines) - len(kept) + (1 if tail else 0)
    return Checked(b"".join(kept), len(kept), bad)
