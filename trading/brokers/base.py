"""The broker protocol. Paper, KIS and Kiwoom adapters implement it; nothing else talks to a broker.

| method | required | semantics | errors |
|---|---|---|---|
| ``quote(code)`` | yes | last price, day OHLC, volume, 거래대금, limits, 체결강도 | ``OrderRejected(UNKNOWN_CODE)``, ``BrokerUnavailable``, ``RateLimited``, ``AuthError`` |
| ``order_book(code)`` | yes | 10 ask + 10 bid levels, best first | as ``quote`` |
| ``daily_bars(code, start, end)`` | yes | daily OHLCV, oldest first, inclusive dates | as ``quote`` |
| ``minute_bars(code, day, interval)`` | yes | intraday bars of ``interval`` minutes (1/5/15/60) for a session day | as ``quote`` |
| ``ranking(limit, market)`` | yes | today's TOP ``limit`` by 거래대금, ``market`` None = all | ``BrokerUnavailable``, ``RateLimited`` |
| ``place_order(req)`` | yes | submit; the same ``client_order_id`` returns the existing order, never a second one | ``OrderRejected``, ``MarketClosed``, ``BrokerUnavailable`` (outcome unknown: reconcile, never resend blindly) |
| ``modify_order(order_id, price, qty)`` | yes | new price and/or total quantity; a price change or a quantity increase loses time priority | ``OrderRejected`` (NOT_FOUND, NOT_ACTIVE, NO_CHANGE, OFF_TICK, ...) |
| ``cancel_order(order_id, qty)`` | yes | cancel ``qty`` shares of the remainder (None = all) | ``OrderRejected`` |
| ``open_orders()`` | yes | active orders (open or partially filled) | ``BrokerUnavailable`` |
| ``orders(day)`` | yes | every order of a day (default today), any status | ``BrokerUnavailable`` |
| ``fills(day)`` | yes | own executions of a day (default today) | ``BrokerUnavailable`` |
| ``balance()`` | yes | cash, orderable amount, positions with average price and P&L | ``BrokerUnavailable``, ``AuthError`` |
| ``account_view()`` | no | ``Account``: open orders, today's fills and the balance at one moment (paper, RPC: one call instead of three; see ``account_of``) | as ``balance`` |
| ``subscribe(channel, codes, callback)`` | yes | realtime ``Tick`` / ``OrderBook`` / own ``Fill`` events to ``callback`` (``codes`` ignored for FILLS) until ``Subscription.cancel()`` | ``BrokerUnavailable``; adapters cap subscriptions at the broker's limit |
| ``close()`` | yes | release connections and threads | never raises |

Callbacks run on the adapter's own thread: they must be quick and must not raise.

Only the order gateway (``trading/orders/gateway.py``) calls ``place_order``, ``modify_order`` and
``cancel_order``: every entry point (page, CLI, job, bot, API) goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from trading.domain import Account, Balance, Bar, Fill, Order, OrderBook, OrderRequest, Quote, RankRow


class Channel(StrEnum):
    TICKS = "ticks"
    BOOKS = "books"
    FILLS = "fills"


class Subscription(Protocol):
    def cancel(self) -> None: ...


@runtime_checkable
class Broker(Protocol):
    """See the module docstring for the contract of each method."""

    name: str  # "paper" | "kis" | "kiwoom"
    is_live: bool  # True when orders move real money

    def quote(self, code: str) -> Quote: ...
    def order_book(self, code: str) -> OrderBook: ...
    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]: ...
    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[Bar]: ...
    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]: ...
    def place_order(self, req: OrderRequest) -> Order: ...
    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order: ...
    def cancel_order(self, order_id: str, qty: int | None = None) -> Order: ...
    def open_orders(self) -> list[Order]: ...
    def orders(self, day: date | None = None) -> list[Order]: ...
    def fills(self, day: date | None = None) -> list[Fill]: ...
    def balance(self) -> Balance: ...
    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription: ...
    def close(self) -> None: ...


def account_of(broker: Broker) -> Account:
    """``broker.account_view()`` where the broker has it (one round trip over RPC), else the three calls."""
    view = getattr(broker, "account_view", None)
    if view is not None:
        return view()
    return Account(tuple(broker.open_orders()), tuple(broker.fills()), broker.balance())
