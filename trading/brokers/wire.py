"""JSON wire format for the domain types, so a broker can be used from another process."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from trading import domain
from trading.orders import commands, context, results

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        domain.Quote,
        domain.BookLevel,
        domain.OrderBook,
        domain.Bar,
        domain.Tick,
        domain.RankRow,
        domain.OrderRequest,
        domain.Order,
        domain.Fill,
        domain.Position,
        domain.Balance,
        domain.Account,
        commands.Modify,
        commands.Cancel,
        context.Actor,
        context.OrderContext,
        results.Preview,
        results.IntentStatus,
        results.RiskReport,
    )
}
_ENUM_FIELDS: dict[str, type[StrEnum]] = {
    "side": domain.Side,
    "order_type": domain.OrderType,
    "status": domain.OrderStatus,
    "role": context.Role,
    "entry": context.EntryPoint,
}


def encode(obj: Any) -> Any:
    """Domain objects → JSON-safe values (dataclasses tagged with ``__t``)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"__t": type(obj).__name__}
        for f in dataclasses.fields(obj):
            out[f.name] = encode(getattr(obj, f.name))
        return out
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, datetime):
        return {"__dt": obj.isoformat()}
    if isinstance(obj, date):
        return {"__d": obj.isoformat()}
    if isinstance(obj, (list, tuple)):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    return obj


TICK_COLUMNS = ("code", "ms", "seq", "price", "volume", "cum_volume", "cum_value", "strength")


def encode_tick_columns(columns: dict[str, list]) -> dict[str, Any]:
    """Many ticks as columns (``TICK_COLUMNS``: codes, epoch milliseconds, …): a caught-up morning's
    hundreds of thousands of ticks cost one list per column, not one object per tick. ``decode`` gives
    back the list of ``Tick``."""
    return {"__ticks": {k: columns[k] for k in TICK_COLUMNS}}


def _decode_ticks(cols: dict[str, list]) -> list[domain.Tick]:
    kst = domain.KST
    return [
        domain.Tick(code, datetime.fromtimestamp(ms / 1000.0, kst), seq, price, vol, cvol, cval, round(st, 2))
        for code, ms, seq, price, vol, cvol, cval, st in zip(*(cols[k] for k in TICK_COLUMNS), strict=True)
    ]


def decode(obj: Any) -> Any:
    """The inverse of ``encode``; tuples come back where the dataclass declares them."""
    if isinstance(obj, list):
        return [decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "__ticks" in obj:
        return _decode_ticks(obj["__ticks"])
    if "__dt" in obj:
        return datetime.fromisoformat(obj["__dt"])
    if "__d" in obj:
        return date.fromisoformat(obj["__d"])
    name = obj.get("__t")
    if name is None:
        return {k: decode(v) for k, v in obj.items()}
    cls = _TYPES[name]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in obj:
            continue
        value = decode(obj[f.name])
        if f.name in _ENUM_FIELDS and value is not None:
            value = _ENUM_FIELDS[f.name](value)
        if isinstance(value, list) and f.name in (
            "asks",
            "bids",
            "positions",
            "open_orders",
            "fills",
            "confirm",
            "cancelled",
            "failed",
        ):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)
