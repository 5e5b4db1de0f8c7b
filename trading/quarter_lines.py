"""Today's quarter lines (4등분 라인, PRD §11.3): high, 75%, 50%, 25%, low and the open.

The 75/50/25% levels are ``low + range × k/4`` computed exactly (integers in quarters of a won) and
rounded to the nearest price on the KRX tick grid (ties go up, like ``round_to_tick``), so every line
is an orderable price. They stay inside [low, high] and never cross each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trading.domain import Market
from trading.krx import round_to_tick


@dataclass(frozen=True, slots=True)
class QuarterLines:
    high: int
    q3: int  # 75%
    mid: int  # 50%
    q1: int  # 25%
    low: int
    open: int

    def levels(self) -> list[tuple[str, int]]:
        """(key, price) from the top: high, q3, mid, q1, low, then open."""
        return [
            ("high", self.high),
            ("q3", self.q3),
            ("mid", self.mid),
            ("q1", self.q1),
            ("low", self.low),
            ("open", self.open),
        ]


def _nearest_on_grid(quarters: int, on: date | None, market: Market, etf: bool) -> int:
    """The grid price nearest to ``quarters / 4`` won (ties up)."""
    floor, rem = divmod(quarters, 4)
    if floor <= 0:
        return round_to_tick(1, "up", on, market, etf)
    up = round_to_tick(floor + (1 if rem else 0), "up", on, market, etf)
    try:
        down = round_to_tick(floor, "down", on, market, etf)
    except ValueError:
        return up
    # Compare distances exactly, in quarters of a won.
    return down if quarters - 4 * down < 4 * up - quarters else up


def quarter_lines(
    open_: int,
    high: int,
    low: int,
    on: date | None = None,
    market: Market | str = Market.KOSPI,
    etf: bool = False,
) -> QuarterLines:
    """Quarter lines for a day with ``open_``, ``high``, ``low`` (on-grid ints, low <= high)."""
    if low > high:
        raise ValueError(f"low {low} > high {high}")
    if low <= 0:
        raise ValueError(f"prices must be > 0, got low {low}")
    mkt = Market(market)
    rng = high - low

    def level(k: int) -> int:
        p = _nearest_on_grid(4 * low + rng * k, on, mkt, etf)
        return min(max(p, low), high)

    return QuarterLines(high=high, q3=level(3), mid=level(2), q1=level(1), low=low, open=open_)
