"""Position sizing settings for entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

SizingKind = Literal["all_in", "fixed", "percent", "atr"]


@dataclass(frozen=True)
class Sizing:
    """How many shares an entry buys (or shorts); always whole shares within buying power.

    * ``all_in``: all available cash (price × qty + commission <= cash).
    * ``fixed``: ``value`` money per entry (won, or the data's currency).
    * ``percent``: ``value`` × current equity per entry (0.1 = 10%).
    * ``atr``: volatility target: qty = ``value`` × equity / ATR(``atr_period``), so a one-ATR
      move costs ``value`` of equity (ATR as of the signal bar).
    """

    kind: SizingKind = "all_in"
    value: float = 1.0
    atr_period: int = 14

    def __post_init__(self) -> None:
        if self.kind not in ("all_in", "fixed", "percent", "atr"):
            raise ValueError(f"unknown sizing kind {self.kind!r}")
        if self.kind != "all_in" and not self.value > 0:
            raise ValueError(f"sizing value must be > 0, got {self.value}")

    @classmethod
    def parse(cls, spec: Sizing | str | Mapping[str, Any] | None) -> Sizing:
        """Accept a Sizing, a kind name ("all_in"), "percent:0.1" / "fixed:1000000" / "atr:0.01",
        or a dict {"kind": ..., "value": ..., "atr_period": ...}."""
        if spec is None:
            return cls()
        if isinstance(spec, Sizing):
            return spec
        if isinstance(spec, str):
            kind, _, value = spec.partition(":")
            return cls(kind.strip(), float(value) if value else 1.0)  # type: ignore[arg-type]
        return cls(**dict(spec))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "atr_period": self.atr_period}
