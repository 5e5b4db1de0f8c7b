"""PaperBroker: the Broker protocol over the in-process MarketService (simulated KRX)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol

from trading.brokers.base import Channel, Subscription
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.exchange import PaperExchange, place_many
from trading.domain import KST, Account, Balance, Bar, Fill, Order, OrderBook, OrderRequest, Quote, RankRow
from trading.krx import krx_session_bounds
from trading.market.service import MarketService


class BarSource(Protocol):
    """Stored history (db.repositories.bars.SqlBarSource implements it)."""

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]: ...
    def minute_bars(self, code: str, start: datetime, end: datetime) -> list[Bar]: ...


class _FillSub:
    def __init__(self, remove: Callable[[], None]):
        self._remove = remove

    def cancel(self) -> None:
        self._remove()


def aggregate(bars: Sequence[Bar], interval: int, session_open: datetime) -> list[Bar]:
    """Merge 1-minute bars into ``interval``-minute bars aligned on the session open."""
    if interval <= 1:
        return list(bars)
    out: list[Bar] = []
    for b in bars:
        k = int((b.time - session_open).total_seconds() // 60) // interval
        start = session_open + timedelta(minutes=k * interval)
        if out and out[-1].time == start:
            a = out[-1]
            out[-1] = Bar(
                a.code, start, a.open, max(a.high, b.high), min(a.low, b.low), b.close,
                a.volume + b.volume, a.value + b.value,
            )  # fmt: skip
        else:
            out.append(Bar(b.code, start, b.open, b.high, b.low, b.close, b.volume, b.value))
    return out


class PaperBroker:
    """One paper account's view of the shared market: orders go to the account's exchange, prices come
    from the shared simulator. ``account`` None is the market's default exchange (memory-store markets)."""

    name = "paper"
    is_live = False

    def __init__(
        self,
        service: MarketService,
        bars: BarSource | None = None,
        owns_service: bool = False,
        account: str | None = None,
    ):
        self.service = service
        self.bars = bars
        self.account = account
        self._owns = owns_service
        self._subs: list[Subscription] = []

    @property
    def exchange(self) -> PaperExchange:
        if self.account is not None:
            return self.service.exchange_for(self.account)
        if self.service.exchange is None:
            raise OrderRejected(Reason.NO_ACCOUNT, "this market has no default paper account")
        return self.service.exchange

    def for_account(self, account: str) -> PaperBroker:
        """The same market seen from another paper account (the market keeps running for the owner)."""
        return PaperBroker(self.service, self.bars, account=account)

    def _check(self, code: str) -> None:
        if not self.service.sim.has(code):
            raise OrderRejected(Reason.UNKNOWN_CODE, str(code))

    def quote(self, code: str) -> Quote:
        self._check(code)
        with self.service.lock:
            return self.service.sim.quote(code)

    def order_book(self, code: str) -> OrderBook:
        self._check(code)
        with self.service.lock:
            return self.service.sim.order_book(code)

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]:
        """Stored history, plus today's bar from the live market when ``end`` reaches today."""
        self._check(code)
        bars = [b for b in (self.bars.daily_bars(code, start, end) if self.bars else [])]
        with self.service.lock:
            today, live = self.service.sim.day, self.service.sim.daily_bar(code)
        if live is not None and start <= today <= end:
            bars = [b for b in bars if b.time.date() != today] + [live]
        return bars

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[Bar]:
        self._check(code)
        with self.service.lock:
            if day == self.service.sim.day:
                return self.service.sim.minute_bars(code, interval)
        if self.bars is None:
            return []
        start = datetime.combine(day, time(), KST)
        bars = self.bars.minute_bars(code, start, start + timedelta(days=1))
        return aggregate(bars, interval, krx_session_bounds(day)[0]) if bars else []

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        with self.service.lock:
            return self.service.sim.ranking(limit, market)

    def place_order(self, req: OrderRequest) -> Order:
        return self.exchange.place_order(req)

    @property
    def batch_key(self) -> int:
        """Accounts of one market share it: their orders may be written in one transaction."""
        return id(self.service)

    def place_orders_journaled(
        self, items: list[tuple[str, OrderRequest, object]]
    ) -> list[Order | Exception]:
        """Place each ``(paper account, request, journal intent)`` of this market in ONE store transaction
        together with its intent; each entry of the answer is the order or what refused it
        (``DuplicateAttachment``: that client id is already journaled, nothing written for it)."""
        return place_many([(self.service.exchange_for(a), req, intent) for a, req, intent in items])

    def modify_order(self, order_id: str, price: int | None = None, qty: int | None = None) -> Order:
        return self.exchange.modify_order(order_id, price, qty)

    def cancel_order(self, order_id: str, qty: int | None = None) -> Order:
        return self.exchange.cancel_order(order_id, qty)

    def get_order(self, order_id: str) -> Order | None:
        """Today's or an active order of this account, as it is now."""
        return self.exchange.get_order(order_id)

    def open_orders(self) -> list[Order]:
        return self.exchange.open_orders()

    def orders(self, day: date | None = None) -> list[Order]:
        return self.exchange.orders(day)

    def fills(self, day: date | None = None) -> list[Fill]:
        return self.exchange.fills(day)

    def balance(self) -> Balance:
        return self.exchange.balance()

    def account_view(self) -> Account:
        ex = self.exchange
        with ex.lock:  # one consistent moment
            return Account(tuple(ex.open_orders()), tuple(ex.fills()), ex.balance())

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription:
        channel = Channel(channel)
        if channel is Channel.FILLS:
            sub: Subscription = _FillSub(self.exchange.add_fill_listener(callback))
        else:
            sub = self.service.subscribe(channel.value, codes, callback)
        self._subs.append(sub)
        return sub

    def close(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):  # close never raises
                sub.cancel()
        self._subs.clear()
        if self._owns:
            self.service.stop()
