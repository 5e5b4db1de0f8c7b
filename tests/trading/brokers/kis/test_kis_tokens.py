"""KIS tokens: one token shared by processes, renewal on EGW00123, the 1/min rule, logout."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from trading.brokers import RateLimited
from trading.brokers.common.token_store import FileTokenStore, RedisTokenStore, token_key


def _get_token(rest_url: str, store_spec: tuple, barrier, results) -> None:
    """Child process: build its own adapter pieces and ask for a token when both are ready."""
    from trading.brokers.common.http import HttpClient
    from trading.brokers.common.tokens import TokenManager
    from trading.brokers.kis import auth
    from trading.brokers.kis.options import KisOptions

    kind, arg, prefix = store_spec
    store = FileTokenStore(Path(arg)) if kind == "file" else RedisTokenStore.from_url(arg, prefix)
    opts = KisOptions(env="mock", app_key="mock-key", app_secret="mock-secret", rest_url=rest_url)
    http = HttpClient(rest_url, label="KIS")
    manager = TokenManager(
        token_key("kis", "mock", "mock-key"),
        store,
        issue=lambda: auth.issue_token(http, opts),
        revoke=lambda t: auth.revoke_token(http, opts, t),
        min_issue_interval_s=60,
    )
    barrier.wait()
    results.put(manager.get())


def _two_processes_get_a_token(rest_url: str, store_spec: tuple) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=_get_token, args=(rest_url, store_spec, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    tokens = [results.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    return tokens


def test_two_processes_share_one_token_through_the_file_cache(fake_kis, tmp_path):
    fake_kis.token_delay_s = 0.3  # widen the race: the second process must wait on the lock
    tokens = _two_processes_get_a_token(fake_kis.rest_url, ("file", str(tmp_path / "tokens"), ""))
    assert fake_kis.token_calls == 1
    assert tokens[0] == tokens[1]


def test_two_processes_share_one_token_through_redis(fake_kis, redis_url, key_prefix):
    fake_kis.token_delay_s = 0.3
    tokens = _two_processes_get_a_token(fake_kis.rest_url, ("redis", redis_url, key_prefix))
    assert fake_kis.token_calls == 1
    assert tokens[0] == tokens[1]


def test_token_cache_file_is_private_and_keyed_by_hash(make_kis, tmp_path):
    broker = make_kis()
    broker.quote("005930")
    files = list((tmp_path / "tokens").glob("*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert "mock-key" not in files[0].name and "mock-secret" not in files[0].read_text()
    assert files[0].name.startswith("kis-mock-")


def test_a_second_adapter_reuses_the_cached_token(make_kis, fake_kis):
    make_kis().quote("005930")
    make_kis().quote("005930")
    assert fake_kis.token_calls == 1


def test_expired_token_is_renewed_once_and_the_call_succeeds(make_kis, fake_kis, tmp_path):
    store = FileTokenStore(tmp_path / "tokens")
    key = token_key("kis", "mock", "mock-key")
    # a cached token the server no longer accepts, issued long enough ago to allow a new one
    store.save(
        key, {"token": "stale", "expires_at": time.time() + 3600 * 20, "issued_at": time.time() - 7200}
    )
    broker = make_kis()
    assert broker.quote("005930").price == 70000
    assert fake_kis.token_calls == 1
    assert store.load(key)["token"] != "stale"


def test_a_token_is_not_requested_twice_within_a_minute(make_kis, fake_kis):
    broker = make_kis()
    broker.quote("005930")
    fake_kis.expire_tokens()
    with pytest.raises(RateLimited) as err:
        broker.quote("005930")
    assert 0 < err.value.retry_after <= 60
    assert fake_kis.token_calls == 1


def test_egw00133_from_the_server_is_rate_limited(make_kis, fake_kis):
    fake_kis.last_token_at = time.time()  # another machine just took one
    with pytest.raises(RateLimited) as err:
        make_kis().quote("005930")
    assert "EGW00133" in err.value.broker_message


def test_logout_revokes_and_deletes_the_cache(make_kis, fake_kis, tmp_path):
    broker = make_kis()
    broker.quote("005930")
    assert broker.logout() is True
    assert fake_kis.revoke_calls == 1
    assert list((tmp_path / "tokens").glob("*.json")) == []
    assert broker.logout() is False
