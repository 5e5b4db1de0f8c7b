"""Small statistics helpers: Pearson correlation and the Wilson score interval."""

from __future__ import annotations

import math
from collections.abc import Sequence


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r of two equal-length samples; None with fewer than 3 points or zero variance."""
    n = len(xs)
    if n != len(ys):
        raise ValueError("samples differ in length")
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def wilson(hits: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval (default 95%) of a proportion ``hits / n``; None when n == 0."""
    if n <= 0:
        return None
    if not 0 <= hits <= n:
        raise ValueError("hits must be between 0 and n")
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
