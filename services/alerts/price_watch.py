"""Price alerts on ticks, in the account owner (``gslts run`` / ``gslts market``), next to the market or the
broker feed: the active alerts are reloaded every ``refresh_s`` (new ones start being watched within it),
their stocks' ticks are evaluated as they arrive (``trading.alerts.price_rules``), and the 거래대금 ranking
is read every ``refresh_s`` for TOP N alerts. A rule that fires is marked fired together with its outbox
event (one transaction), so it fires once even with a second owner starting."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from db.repositories import alerts as repo
from trading.alerts.events import AlertEvent, EventType
from trading.alerts.price_rules import Fired, PriceAlertBook, Rule
from trading.domain import Tick

log = logging.getLogger(__name__)


class PriceWatch:
    def __init__(self, engine: Engine, feed: Any, reader: Any, refresh_s: float = 1.0):
        """``feed``: ``watch(codes, on_tick)`` (services.bots.PaperFeed / BrokerLiveFeed); ``reader``: the
        owner's market reads (``ranking``, ``quote``)."""
        self.engine = engine
        self.feed = feed
        self.reader = reader
        self.refresh_s = refresh_s
        self.book = PriceAlertBook()
        self._lock = threading.Lock()
        self._watched: frozenset[str] = frozenset()
        self._prev_close: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> None:
        """Reload the active alerts, re-subscribe to their stocks, and check the TOP N ones."""
        rules = [
            Rule(a.id, a.user_id, a.code, a.kind, a.value)
            for a in repo.price_alerts(self.engine, active_only=True)
        ]
        with self._lock:
            self.book.replace(rules)
            codes = frozenset(r.code for r in rules if r.kind != "top_n")
        if codes != self._watched:
            self._prev_close = {c: v for c, v in self._prev_close.items() if c in codes}
            self.feed.watch(codes, self.on_tick)
            self._watched = codes
        if any(r.kind == "top_n" for r in rules):
            rows = self.reader.ranking(100)
            ranks = {r.code: i + 1 for i, r in enumerate(rows)}
            prices = {r.code: int(getattr(r, "price", 0) or 0) for r in rows}
            with self._lock:
                fired = self.book.on_ranking(ranks, prices)
            self._fire(fired, None)

    def on_tick(self, tick: Tick) -> None:
        prev = self._prev_close.get(tick.code)
        if prev is None:
            try:
                prev = self._prev_close[tick.code] = int(self.reader.quote(tick.code).prev_close)
            except Exception:  # noqa: BLE001 - no quote yet: only the crossings are checked
                prev = 0
        with self._lock:
            fired = self.book.on_price(tick.code, tick.price, prev or None)
        self._fire(fired, tick)

    def _fire(self, fired: list[Fired], tick: Tick | None) -> None:
        from trading.timeconv import now_naive_kst

        for f in fired:
            r = f.rule
            payload = {
                "alert_id": r.id,
                "code": r.code,
                "kind": r.kind,
                "value": r.value,
                "price": f.price,
                "text": f.text,
            }
            when = tick.time if tick is not None else now_naive_kst()
            event = AlertEvent(EventType.PRICE_ALERT, f"price:{r.id}", when, payload, user_id=r.user_id)
            try:
                repo.fire_price_alert(self.engine, r.id, f.price, event)
            except Exception:  # noqa: BLE001 - the database away: the next refresh loads the rule again
                log.exception("price alert %s: could not store its firing", r.id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - keep watching through a database or feed hiccup
                log.exception("price alerts: refresh failed")
            self._stop.wait(self.refresh_s)

    def start(self) -> PriceWatch:
        self._thread = threading.Thread(target=self._loop, name="price-alerts", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        close = getattr(self.feed, "close", None)
        if close is not None:
            close()


def start_price_watch(owner: Any) -> PriceWatch:  # services.owner.Owner
    """The owner's price-alert watcher on its paper market or broker feed."""
    from services.bots import BrokerLiveFeed, PaperFeed

    if owner.market is not None:
        feed: Any = PaperFeed(owner.market)
    else:
        from trading.market.clock import RealClock

        feed = BrokerLiveFeed(owner.feed, RealClock())
    return PriceWatch(owner.engine, feed, owner.reader(None)).start()
