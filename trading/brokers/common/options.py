"""Reading adapter options from settings: ``<prefix>_<field>`` overrides a dataclass default."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def overrides_from(settings: Any, cls: type[T], prefix: str, skip: set[str] | None = None) -> dict[str, Any]:
    """Values of ``settings.<prefix>_<field>`` that are set (not None), for every field of ``cls``."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if skip and f.name in skip:
            continue
        value = getattr(settings, f"{prefix}_{f.name}", None)
        if value is not None:
            values[f.name] = value
    return values


def secret(value: Any) -> str:
    """The plain string of a ``SecretStr`` (or str); empty when None."""
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter else str(value)
