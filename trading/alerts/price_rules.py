"""Price alerts evaluated on ticks: ``above``/``below`` (the price crosses X upward/downward), ``move_pct``
(the price is ±P % or more from the previous close) and ``top_n`` (the stock enters the 거래대금 TOP N).

Crossings need a price seen on the other side first (an alert set above the current price fires when the
price rises through it, not at once); ``move_pct`` fires on the first tick at or past the band. Each rule
fires once; the caller marks it fired in the database with its event."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("above", "below", "move_pct", "top_n")


def check_rule(kind: str, value: float) -> str | None:
    """Why ``value`` is not valid for ``kind`` (English), or None."""
    if kind in ("above", "below") and not (value >= 1 and float(value).is_integer()):
        return "price must be a whole number of won, at least 1"
    if kind == "move_pct" and not (0 < value <= 30):
        return "move must be more than 0 and at most 30 % (the daily price limit)"
    if kind == "top_n" and not (1 <= value <= 100 and float(value).is_integer()):
        return "TOP N must be a whole number from 1 to 100"
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    user_id: int
    code: str
    kind: str
    value: float


@dataclass(frozen=True, slots=True)
class Fired:
    rule: Rule
    price: int
    text: str  # Korean description for the message


class PriceAlertBook:
    """The active rules by stock and what each has last seen; feed it ticks and rankings."""

    def __init__(self) -> None:
        self.rules: dict[int, Rule] = {}
        self._last: dict[int, float] = {}  # rule id -> last price (crossings) or last rank (top_n)

    def replace(self, rules: list[Rule]) -> None:
        """Set the active rules (new ones start unobserved; removed ones are forgotten)."""
        self.rules = {r.id: r for r in rules}
        self._last = {k: v for k, v in self._last.items() if k in self.rules}

    def codes(self) -> set[str]:
        return {r.code for r in self.rules.values()}

    def on_price(self, code: str, price: int, prev_close: int | None) -> list[Fired]:
        out = []
        for r in [r for r in self.rules.values() if r.code == code and r.kind != "top_n"]:
            hit = self._price_hit(r, price, prev_close)
            if hit is not None:
                del self.rules[r.id]
                out.append(Fired(r, price, hit))
        return out

    def _price_hit(self, r: Rule, price: int, prev_close: int | None) -> str | None:
        if r.kind == "move_pct":
            if not prev_close:
                return None
            move = (price / prev_close - 1) * 100
            return f"전일 대비 {move:+.2f}% (기준 ±{r.value:g}%)" if abs(move) >= r.value else None
        last = self._last.get(r.id)
        self._last[r.id] = price
        if last is None:
            return None
        if r.kind == "above" and last < r.value <= price:
            return f"{int(r.value):,}원 상향 돌파"
        if r.kind == "below" and last > r.value >= price:
            return f"{int(r.value):,}원 하향 돌파"
        return None

    def on_ranking(self, ranks: dict[str, int], prices: dict[str, int]) -> list[Fired]:
        """``ranks``: code -> 1-based 거래대금 rank (absent = outside the ranking)."""
        out = []
        for r in [r for r in self.rules.values() if r.kind == "top_n"]:
            rank = ranks.get(r.code, 10_000)
            last = self._last.get(r.id)
            self._last[r.id] = rank
            if last is not None and last > r.value >= rank:
                del self.rules[r.id]
                out.append(Fired(r, prices.get(r.code, 0), f"거래대금 TOP {int(r.value)} 진입 ({rank}위)"))
        return out
