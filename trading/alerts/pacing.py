"""Per-destination pacing: a token bucket (``per_minute`` messages, bursts of ``burst``) and the retry
backoff. Whatever is due while a destination has no token waits and goes out as one digest message."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bucket:
    """The bucket's state after a send: tokens left and the seconds until the next token."""

    tokens: float
    wait_s: float


def after_send(tokens: float, elapsed_s: float, per_minute: float, burst: int) -> Bucket:
    """Refill ``tokens`` for ``elapsed_s`` since they were counted, take one, say when the next is due."""
    rate = per_minute / 60.0
    have = min(float(burst), tokens + elapsed_s * rate) - 1.0
    have = max(have, -1.0)
    return Bucket(have, 0.0 if have >= 1.0 else (1.0 - have) / rate)


def backoff_s(attempt: int, base_s: float, cap_s: float, jitter: float = 0.2) -> float:
    """Seconds before retry ``attempt`` (1 = the first retry): doubling from ``base_s`` up to ``cap_s``,
    with ±``jitter`` so many failed deliveries do not come back at the same instant."""
    delay = min(cap_s, base_s * (2 ** max(0, attempt - 1)))
    return max(0.0, delay * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - not a secret
