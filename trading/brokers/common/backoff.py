"""Backoff delays for the broker's rate-limit answers."""

from __future__ import annotations


def backoff_delay(attempt: int, base_s: float, max_s: float = 10.0, hint_s: float | None = None) -> float:
    """Exponential delay for retry ``attempt`` (0-based), at least the broker's ``hint_s``."""
    delay = min(base_s * (2**attempt), max_s)
    return max(delay, hint_s or 0.0)
