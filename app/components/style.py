"""Up/down colours, Korean convention: red is up (a rise, a buy, a gain), blue is down (a fall, a sell, a
loss), grey is flat. ``assets/gslts.css`` defines the ``text-up`` / ``text-down`` / ``text-flat`` classes
with the same colours; charts take the hex values.
"""

from __future__ import annotations

UP = "#d7263d"
DOWN = "#1565c0"
FLAT = "#868e96"

UP_CLASS = "text-up"
DOWN_CLASS = "text-down"
FLAT_CLASS = "text-flat"


def direction_class(x: float | None, flat: str = FLAT_CLASS) -> str:
    """``text-up`` above zero, ``text-down`` below, ``flat`` at zero; "" for no value."""
    if x is None:
        return ""
    return UP_CLASS if x > 0 else DOWN_CLASS if x < 0 else flat


def direction_colour(x: float) -> str:
    """The chart colour of ``x``: red from zero up (a candle closing at its open is red), blue below."""
    return UP if x >= 0 else DOWN


def grid_direction_rules(value: str = "params.value") -> dict[str, str]:
    """AG Grid ``cellClassRules`` colouring a cell by the sign of the JavaScript expression ``value``."""
    return {UP_CLASS: f"{value} > 0", DOWN_CLASS: f"{value} < 0"}
