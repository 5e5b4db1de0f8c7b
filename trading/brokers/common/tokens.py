"""Token lifecycle shared by the adapters: reuse, issue once under a lock, invalidate, revoke."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from trading import metrics
from trading.brokers.common.token_store import TokenStore
from trading.brokers.errors import RateLimited

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What a broker's token endpoint returned."""

    token: str
    expires_at: float  # epoch seconds


class TokenManager:
    """Gives a valid access token, asking the broker only when the shared cache has none.

    ``issue()`` calls the broker; ``revoke(token)`` tells the broker to drop one. A token is
    reused until ``refresh_margin_s`` before it expires, and a new one is never requested
    sooner than ``min_issue_interval_s`` after the previous one (KIS: once a minute).
    """

    def __init__(
        self,
        key: str,
        store: TokenStore,
        issue: Callable[[], IssuedToken],
        revoke: Callable[[str], None],
        *,
        refresh_margin_s: float = 600.0,
        min_issue_interval_s: float = 0.0,
        label: str = "broker",
    ):
        self.key = key
        self.store = store
        self._issue = issue
        self._revoke = revoke
        self.refresh_margin_s = refresh_margin_s
        self.min_issue_interval_s = min_issue_interval_s
        self.label = label
        self._token: str | None = None
        self._expires_at = 0.0

    def _usable(self, record: dict | None, now: float) -> bool:
        return (
            bool(record and record.get("token")) and float(record["expires_at"]) - self.refresh_margin_s > now
        )

    def get(self) -> str:
        """A valid token: memory, then the shared store, then (under the lock) the broker."""
        now = time.time()
        if self._token and self._expires_at - self.refresh_margin_s > now:
            return self._token
        record = self.store.load(self.key)
        if not self._usable(record, now):
            with self.store.lock(self.key):
                record = self.store.load(self.key)
                if not self._usable(record, time.time()):
                    record = self._issue_locked(record)
        assert record is not None
        self._token, self._expires_at = record["token"], float(record["expires_at"])
        metrics.TOKEN_EXPIRY.labels(self.label.split()[0].lower()).set(self._expires_at)
        return self._token

    def _issue_locked(self, previous: dict | None) -> dict:
        issued_at = float((previous or {}).get("issued_at") or 0.0)
        wait = issued_at + self.min_issue_interval_s - time.time()
        if wait > 0:
            raise RateLimited(
                f"{self.label} allows a new token only every {self.min_issue_interval_s:.0f}s",
                retry_after=wait,
            )
        issued = self._issue()
        record = {"token": issued.token, "expires_at": issued.expires_at, "issued_at": time.time()}
        self.store.save(self.key, record)
        log.info("%s: new access token issued (expires %s)", self.label, time.ctime(issued.expires_at))
        return record

    def invalidate(self, token: str) -> None:
        """The broker said ``token`` is expired/invalid: forget it unless another process already did."""
        self._token = None
        self._expires_at = 0.0
        with self.store.lock(self.key):
            record = self.store.load(self.key)
            if record and record.get("token") == token:
                record["token"] = None
                self.store.save(self.key, record)

    def revoke(self) -> bool:
        """Revoke the cached token at the broker and delete the cache; True when one was revoked."""
        self._token = None
        self._expires_at = 0.0
        with self.store.lock(self.key):
            record = self.store.load(self.key)
            token = (record or {}).get("token")
            try:
                if token:
                    self._revoke(token)
            finally:
                self.store.delete(self.key)
        return bool(token)
