"""KIS websocket data frames: ``<enc>|<tr_id>|<count>|<payload>`` → domain objects.

Payloads are ``^``-joined values, ``count`` records back to back; the per-record width is taken
from the payload (``len // count``) so fields KIS appends later never break parsing. Encrypted
frames (fill notices) are Base64 AES-256-CBC with the key/iv of that TR's subscribe reply.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from trading.brokers.common.sequence import TickSequencer
from trading.brokers.common.values import kst_at, now_kst, to_float, to_int, to_price
from trading.domain import BookLevel, Fill, OrderBook, Side, Tick

TICK_FIELDS = 46  # H0STCNT0
BOOK_FIELDS = 59  # H0STASP0
FILL_FIELDS = 26  # H0STCNI0 / H0STCNI9 (was 23 before; both parse)


@dataclass(frozen=True, slots=True)
class DataFrame:
    encrypted: bool
    tr_id: str
    count: int
    payload: str


def split_frame(raw: str) -> DataFrame | None:
    """The four parts of a data frame, or None for JSON control messages."""
    if not raw or raw[0] not in "01":
        return None
    parts = raw.split("|", 3)
    if len(parts) != 4:
        return None
    return DataFrame(parts[0] == "1", parts[1], max(to_int(parts[2], 1), 1), parts[3])


def decrypt(payload: str, key: str, iv: str) -> str:
    """Base64 → AES-256-CBC (key/iv are the UTF-8 bytes of the reply strings) → PKCS7 unpad."""
    decryptor = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(iv.encode("utf-8"))).decryptor()
    padded = decryptor.update(base64.b64decode(payload)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")


def records(payload: str, count: int, min_fields: int) -> list[list[str]]:
    """Split ``count`` records; tolerate extra trailing fields in each record."""
    values = payload.split("^")
    width = len(values) // count if count else len(values)
    if count <= 1 or width < min_fields or len(values) % count:
        width = len(values) if count <= 1 else min_fields
    return [values[i * width : (i + 1) * width] for i in range(count) if len(values) >= (i + 1) * width]


def _field(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


def tick(values: list[str], seq: TickSequencer, day: date | None = None) -> Tick:
    """One H0STCNT0 record."""
    today = day or now_kst().date()
    code = _field(values, 0)
    return Tick(
        code=code,
        time=kst_at(today, _field(values, 1)),
        seq=seq.next(code, today),
        price=to_price(_field(values, 2)),
        volume=abs(to_int(_field(values, 12))),
        cum_volume=to_int(_field(values, 13)),
        cum_value=to_int(_field(values, 14)),
        strength=to_float(_field(values, 18), 100.0),
    )


def book(values: list[str], day: date | None = None) -> OrderBook:
    """One H0STASP0 record: asks 3-12, bids 13-22, ask qty 23-32, bid qty 33-42."""
    today = day or now_kst().date()
    asks = tuple(
        BookLevel(to_price(_field(values, 3 + i)), to_int(_field(values, 23 + i))) for i in range(10)
    )
    bids = tuple(
        BookLevel(to_price(_field(values, 13 + i)), to_int(_field(values, 33 + i))) for i in range(10)
    )
    return OrderBook(code=_field(values, 0), asks=asks, bids=bids, time=kst_at(today, _field(values, 1)))


class FillNumbering:
    """KIS notices carry no execution number: ``<order no>-<n>`` numbers an order's fills."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def next(self, order_id: str) -> str:
        self._count[order_id] = self._count.get(order_id, 0) + 1
        return f"{order_id}-{self._count[order_id]}"


def fill(values: list[str], numbering: FillNumbering, day: date | None = None) -> Fill | None:
    """One H0STCNI0/9 record; None unless it is an execution (CNTG_YN = 2) that was not refused."""
    if _field(values, 13) != "2" or _field(values, 12) not in ("", "0"):
        return None
    order_id = _field(values, 2).strip()
    side = Side.SELL if _field(values, 4).strip().zfill(2) == "01" else Side.BUY
    return Fill(
        fill_id=numbering.next(order_id),
        order_id=order_id,
        code=_field(values, 8).strip(),
        side=side,
        price=to_price(_field(values, 10)),
        qty=to_int(_field(values, 9)),
        commission=0,
        tax=0,
        time=kst_at(day or now_kst().date(), _field(values, 11)),
    )
