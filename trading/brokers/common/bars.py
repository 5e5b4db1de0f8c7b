"""Bar helpers shared by the adapters."""

from __future__ import annotations

from collections.abc import Iterable

from trading.domain import Bar


def dedupe_sorted(bars: Iterable[Bar]) -> list[Bar]:
    """Oldest first, one bar per start time (the last one seen wins)."""
    by_time = {bar.time: bar for bar in bars}
    return [by_time[t] for t in sorted(by_time)]


def aggregate(bars: list[Bar], interval: int) -> list[Bar]:
    """Merge 1-minute bars (oldest first) into ``interval``-minute bars aligned to the hour."""
    if interval <= 1:
        return bars
    out: list[Bar] = []
    for bar in bars:
        minute = bar.time.hour * 60 + bar.time.minute
        start = bar.time.replace(
            hour=(minute // interval * interval) // 60,
            minute=(minute // interval * interval) % 60,
            second=0,
            microsecond=0,
        )
        if out and out[-1].time == start:
            prev = out[-1]
            out[-1] = Bar(
                code=prev.code,
                time=start,
                open=prev.open,
                high=max(prev.high, bar.high),
                low=min(prev.low, bar.low) if prev.low and bar.low else prev.low or bar.low,
                close=bar.close,
                volume=prev.volume + bar.volume,
                value=prev.value + bar.value,
            )
        else:
            out.append(Bar(bar.code, start, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.value))
    return out
