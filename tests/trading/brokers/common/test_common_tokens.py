"""Token manager and stores: reuse, refresh margin, invalidate only the bad token, revoke."""

from __future__ import annotations

import time

import pytest

from trading.brokers import RateLimited
from trading.brokers.common.token_store import FileTokenStore, RedisTokenStore, token_key
from trading.brokers.common.tokens import IssuedToken, TokenManager


class Issuer:
    def __init__(self, ttl: float = 3600) -> None:
        self.issued: list[str] = []
        self.revoked: list[str] = []
        self.ttl = ttl

    def issue(self) -> IssuedToken:
        token = f"t{len(self.issued) + 1}"
        self.issued.append(token)
        return IssuedToken(token, time.time() + self.ttl)

    def revoke(self, token: str) -> None:
        self.revoked.append(token)


@pytest.fixture(params=["file", "redis"])
def store(request, tmp_path):
    if request.param == "file":
        return FileTokenStore(tmp_path / "tokens")
    client = request.getfixturevalue("redis_client")
    return RedisTokenStore(client, request.getfixturevalue("key_prefix"))


def manager(store, issuer: Issuer, **kw) -> TokenManager:
    return TokenManager(token_key("x", "mock", "app"), store, issuer.issue, issuer.revoke, **kw)


def test_key_hides_the_app_key():
    key = token_key("kis", "real", "PSabcdef-app-key")
    assert key.startswith("kis:real:") and "PSabcdef" not in key


def test_reuse_then_refresh_before_expiry(store):
    issuer = Issuer(ttl=3600)
    m = manager(store, issuer, refresh_margin_s=60)
    assert m.get() == m.get() == "t1"
    assert manager(store, issuer, refresh_margin_s=60).get() == "t1"  # another process: same token
    assert manager(store, issuer, refresh_margin_s=3601).get() == "t2"  # t1 is inside the margin


def test_invalidate_only_drops_the_bad_token(store):
    issuer = Issuer()
    m = manager(store, issuer)
    m.get()
    m.invalidate("someone-elses-old-token")
    assert manager(store, issuer).get() == "t1"
    m.invalidate("t1")
    assert m.get() == "t2"


def test_min_issue_interval(store):
    issuer = Issuer()
    m = manager(store, issuer, min_issue_interval_s=60)
    m.get()
    m.invalidate("t1")
    with pytest.raises(RateLimited) as err:
        m.get()
    assert 59 <= err.value.retry_after <= 60 and issuer.issued == ["t1"]


def test_revoke_deletes(store):
    issuer = Issuer()
    m = manager(store, issuer)
    m.get()
    assert m.revoke() is True and issuer.revoked == ["t1"]
    assert store.load(m.key) is None
