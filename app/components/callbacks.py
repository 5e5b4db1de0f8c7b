"""Helpers for callbacks with dict outputs (``@callback(output=dict(name=Output(...), ...))``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import no_update


def reply(outputs: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """The return value of a callback with dict ``outputs``: ``values`` by output name, ``no_update`` for
    every output not named (Dash wants every key)."""
    unknown = set(values) - set(outputs)
    if unknown:
        raise KeyError(f"not outputs of this callback: {sorted(unknown)}")
    return {name: values.get(name, no_update) for name in outputs}
