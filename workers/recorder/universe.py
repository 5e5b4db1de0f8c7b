"""Which stocks to record: top N by 거래대금 ∪ watchlists ∪ open positions (read by
``db.repositories.universe``); sharding by connection cap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Realtime registrations per connection (a TICKS and a BOOKS subscription of one code take two).
DEFAULT_CAPS = {"kis": 40, "kiwoom": 100, "paper": 100_000}


def select_universe(ranked: Sequence[str], top_n: int, *extra: Iterable[str]) -> list[str]:
    """Top ``top_n`` of ``ranked`` first (rank order), then the extra codes not already in (sorted)."""
    out = list(dict.fromkeys(ranked[:top_n]))
    seen = set(out)
    rest = sorted({c for group in extra for c in group} - seen)
    return out + rest


def shard(codes: Sequence[str], cap: int, slots_per_code: int = 1) -> list[list[str]]:
    """Split ``codes`` into connections of at most ``cap`` registrations each."""
    per = max(1, cap // max(1, slots_per_code))
    return [list(codes[i : i + per]) for i in range(0, len(codes), per)]
