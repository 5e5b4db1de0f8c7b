"""The daily-bar CSV format of ``gslts history import`` (documented in README "Importing history").

One or more ``*.csv`` files, UTF-8 (an Excel BOM is accepted), comma-separated, a header line, then
one row per stock and session::

    code,date,open,high,low,close,volume,value
    005930,2026-11-27,55000,56000,54800,55700,12345678,685012345678

* ``code``: the 6-character KRX code (``^[0-9A-Z]{6}$``); an all-digit code whose leading zeros a
  spreadsheet dropped (``5930``) is padded back to 6 digits.
* ``date``: the KRX session, ``YYYY-MM-DD`` or ``YYYYMMDD``.
* ``open``, ``high``, ``low``, ``close``: prices in won (integers > 0; ``1,234`` in quotes and ``55000.0``
  are accepted when the value is whole), low ≤ open, close ≤ high.
* ``volume``: shares (integer ≥ 0); ``value``: 거래대금 in won (integer ≥ 0).
* Column order is free and extra columns are ignored; the header names are case-insensitive.
* A (code, date) pair may appear once per file.

``parse_file`` reads a whole file and returns its rows, or raises ``CsvFileError`` listing every bad
line (file, line number, reason), so the caller stores a file completely or not at all.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

COLUMNS = ("code", "date", "open", "high", "low", "close", "volume", "value")
CODE_RE = re.compile(r"^[0-9A-Z]{6}$")
MAX_ERRORS = 20  # bad lines listed per file (the count covers all)


@dataclass(frozen=True, slots=True)
class CsvBar:
    code: str
    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int


@dataclass(slots=True)
class CsvFileError(ValueError):
    """A file that cannot be imported: ``problems`` are (line number, reason); line 0 = the file."""

    path: Path
    problems: list[tuple[int, str]] = field(default_factory=list)
    bad_lines: int = 0

    def __str__(self) -> str:
        shown = [
            f"{self.path.name}:{n}: {why}" if n else f"{self.path.name}: {why}" for n, why in self.problems
        ]
        more = self.bad_lines - len([p for p in self.problems if p[0]])
        return "\n".join(shown + ([f"{self.path.name}: … and {more} more bad lines"] if more > 0 else []))


def _int(text: str, name: str, minimum: int) -> int:
    s = text.strip().replace(",", "")
    if not s:
        raise ValueError(f"{name} is empty")
    try:
        v = int(s)
    except ValueError:
        try:
            f = float(s)
        except ValueError:
            raise ValueError(f"{name} {text.strip()!r} is not a number") from None
        if not f.is_integer():
            raise ValueError(f"{name} {text.strip()!r} is not a whole number") from None
        v = int(f)
    if v < minimum:
        raise ValueError(f"{name} {v} is below {minimum}")
    return v


def _day(text: str) -> date:
    s = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date {s!r} is not YYYY-MM-DD or YYYYMMDD")


def _code(text: str) -> str:
    s = text.strip().upper()
    if s.isdigit() and len(s) < 6:
        s = s.zfill(6)
    if not CODE_RE.match(s):
        raise ValueError(f"code {text.strip()!r} is not a 6-character KRX code")
    return s


def parse_row(row: dict[str, str]) -> CsvBar:
    """One data row (header name → text) as a bar; ``ValueError`` says what is wrong."""
    o, h = _int(row["open"], "open", 1), _int(row["high"], "high", 1)
    lo, c = _int(row["low"], "low", 1), _int(row["close"], "close", 1)
    if not lo <= min(o, c) or not max(o, c) <= h:
        raise ValueError(f"prices out of order: need low ≤ open, close ≤ high (o={o} h={h} l={lo} c={c})")
    return CsvBar(
        _code(row["code"]), _day(row["date"]), o, h, lo, c,
        _int(row["volume"], "volume", 0), _int(row["value"], "value", 0),
    )  # fmt: skip


def parse_file(path: Path) -> list[CsvBar]:
    """Every row of ``path``, or ``CsvFileError`` with every bad line (nothing is half-read)."""
    err = CsvFileError(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        err.problems.append((0, f"cannot read: {e}"))
        raise err from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        err.problems.append((0, "empty file (no header line)"))
        raise err
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        err.problems.append((1, f"header lacks {', '.join(missing)} (need {','.join(COLUMNS)})"))
        raise err
    idx = {c: names.index(c) for c in COLUMNS}
    bars: list[CsvBar] = []
    seen: dict[tuple[str, date], int] = {}
    for lineno, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        try:
            if len(cells) < len(names):
                raise ValueError(f"{len(cells)} fields, the header has {len(names)}")
            bar = parse_row({c: cells[i] for c, i in idx.items()})
            key = (bar.code, bar.day)
            if key in seen:
                raise ValueError(f"{bar.code} {bar.day} already on line {seen[key]}")
            seen[key] = lineno
            bars.append(bar)
        except ValueError as e:
            err.bad_lines += 1
            if len(err.problems) < MAX_ERRORS:
                err.problems.append((lineno, str(e)))
    if err.bad_lines:
        raise err
    return bars


def csv_files(directory: Path) -> list[Path]:
    """The ``*.csv`` files of ``directory`` (not recursive), by name."""
    return sorted(p for p in Path(directory).iterdir() if p.is_file() and p.suffix.lower() == ".csv")
