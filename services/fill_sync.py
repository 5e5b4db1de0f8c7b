"""An own fill heard on the broker's websocket brings the database up to date at once.

The ``broker-sync`` job copies the broker's orders, fills, positions and cash into the database every
``BROKER_SYNC_SECONDS``; the pages read them from there. A fill the feed hears triggers the same sync right
away (coalesced: fills arriving while a sync runs cause one more sync, not one each), so fills and the
position show within a second or two instead of at the next interval. The sync is idempotent, so running
it next to the job changes nothing but the timing.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from db.repositories.broker_sync import BrokerSyncStore
from trading.brokers.base import Broker
from trading.brokers.sync import fetch_snapshot

log = logging.getLogger(__name__)


class FillSync:
    def __init__(self, adapter: Broker, engine: Engine, account: str, min_gap_s: float = 0.5):
        self.adapter = adapter
        self.store = BrokerSyncStore(engine)
        self.account = account
        self.min_gap_s = min_gap_s
        self.runs = 0
        self._due = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fill-sync", daemon=True)

    def start(self) -> FillSync:
        self._thread.start()
        return self

    def on_fill(self, _fill: object) -> None:
        """The feed's callback (its websocket thread): only marks a sync as due."""
        self._due.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._due.wait(1.0):
                continue
            self._due.clear()
            try:
                self.store.apply(self.account, self.adapter.name, fetch_snapshot(self.adapter))
                self.runs += 1
            except Exception as err:  # noqa: BLE001 - the interval job catches up; say why here
                log.warning("sync after a fill failed (%s); the broker-sync job will catch up", err)
            self._stop.wait(self.min_gap_s)

    def close(self) -> None:
        self._stop.set()
        self._due.set()
        self._thread.join(timeout=5)
