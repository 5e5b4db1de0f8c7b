"""Values typed into the trade page's inputs."""

from __future__ import annotations

from typing import Any


def as_int(x: Any) -> int | None:
    """A whole number from an input's value ("12", 12, 12.0); None when empty or not whole."""
    try:
        return int(x) if x is not None and str(x) != "" and float(x) == int(float(x)) else None
    except (TypeError, ValueError):
        return None
