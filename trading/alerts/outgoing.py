"""What a destination receives: one message carrying one event or, when several were waiting for the
destination's pace, a digest of them. Its ``id`` is fixed before the first send and kept on every retry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trading.alerts import messages
from trading.timeconv import as_kst


@dataclass(frozen=True, slots=True)
class Item:
    type: str
    dedupe_id: str
    time: datetime
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "dedupe_id": self.dedupe_id, "time": as_kst(self.time).isoformat(),
                "data": self.payload}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    items: tuple[Item, ...]
    silent: bool = False

    @property
    def is_digest(self) -> bool:
        return len(self.items) > 1

    def text(self) -> str:
        if self.is_digest:
            return messages.digest([(i.type, i.payload) for i in self.items])
        return messages.text(self.items[0].type, self.items[0].payload)


def message_id(dest_id: int, items: list[tuple[int, str]]) -> str:
    """The id of a new message to ``dest_id`` from its deliveries ``(delivery id, dedupe id)``: a lone
    event keeps its dedupe id; a digest is named by its first and last delivery."""
    if len(items) == 1:
        return items[0][1]
    return f"digest:{dest_id}:{items[0][0]}-{items[-1][0]}"


def webhook_body(msg: Message) -> bytes:
    """The JSON a webhook receives (UTF-8). Receivers dedupe on ``id`` (also the X-GSLTS-Delivery header)."""
    body: dict[str, Any] = {"id": msg.id, "silent": msg.silent, "text": msg.text()}
    if msg.is_digest:
        body |= {"type": "digest", "count": len(msg.items), "events": [i.as_json() for i in msg.items]}
    else:
        body |= msg.items[0].as_json()
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
