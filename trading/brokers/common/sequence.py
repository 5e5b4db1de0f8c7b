"""Per-code tick sequence numbers: strictly increasing within a day, restarting each day."""

from __future__ import annotations

from datetime import date


class TickSequencer:
    def __init__(self) -> None:
        self._last: dict[str, tuple[date, int]] = {}

    def next(self, code: str, day: date) -> int:
        last_day, last = self._last.get(code, (day, 0))
        seq = last + 1 if last_day == day else 1
        self._last[code] = (day, seq)
        return seq
