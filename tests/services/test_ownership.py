"""Leases: one owner per scope (file lock in embedded mode, a renewed Redis lease in full mode) and a
fencing token from the database that only grows."""

from __future__ import annotations

import time

import pytest

from db.repositories.owners import current_fence
from services.ownership import FileLease, OwnedElsewhere, RedisLease
from trading.brokers.errors import OrderRejected, Reason


def test_a_file_lease_has_one_holder_and_growing_tokens(db_engine, tmp_path):
    first = FileLease(tmp_path, "market", db_engine).acquire()
    with pytest.raises(OwnedElsewhere, match="owned by another process") as err:
        FileLease(tmp_path, "market", db_engine).acquire(wait_s=0.3)
    assert "pid" in str(err.value)
    first.check()
    first.release()
    with pytest.raises(OrderRejected):
        first.check()
    second = FileLease(tmp_path, "market", db_engine).acquire()
    assert second.token == first.token + 1 == current_fence(db_engine, "market")[0]
    other_scope = FileLease(tmp_path, "broker:kis-mock-1", db_engine).acquire()  # scopes are apart
    assert other_scope.token == 1
    second.release()
    other_scope.release()


def test_a_redis_lease_is_renewed_and_lost_to_a_new_owner(db_engine, redis_url, key_prefix, redis_client):
    lost: list[str] = []
    a = RedisLease(
        redis_url, "market", db_engine, prefix=key_prefix, ttl_s=0.9, on_lost=lost.append
    ).acquire()
    try:
        with pytest.raises(OwnedElsewhere):
            RedisLease(redis_url, "market", db_engine, prefix=key_prefix, ttl_s=0.9).acquire(wait_s=0.2)
        time.sleep(2.0)  # several ttls: the holder renews
        a.check()
        assert redis_client.pttl(key_prefix + "lease:market") > 0
        # Redis forgets the lease (a restart) and another process takes the key before the holder's next
        # renewal (one transaction, so the holder's renewal thread cannot slip in): the holder steps down.
        key = key_prefix + "lease:market"
        with redis_client.pipeline(transaction=True) as pipe:
            pipe.delete(key).set(key, "another-process", px=1500).execute()
        b = RedisLease(redis_url, "market", db_engine, prefix=key_prefix, ttl_s=0.9).acquire(wait_s=5)
        deadline = time.time() + 5
        while not lost and time.time() < deadline:
            time.sleep(0.05)
        assert lost and "another process" in lost[0]
        with pytest.raises(OrderRejected) as err:
            a.check()
        assert err.value.reason is Reason.NOT_OWNER
        assert b.token > a.token and current_fence(db_engine, "market")[0] == b.token
        b.release()
    finally:
        a.release()


def test_a_redis_lease_survives_redis_forgetting_it_when_nobody_else_took_it(
    db_engine, redis_url, key_prefix, redis_client
):
    a = RedisLease(redis_url, "market", db_engine, prefix=key_prefix, ttl_s=0.9).acquire()
    try:
        redis_client.delete(key_prefix + "lease:market")
        time.sleep(1.0)
        a.check()  # re-taken: the fencing token is still its own
        assert redis_client.get(key_prefix + "lease:market").decode() == a.value
    finally:
        a.release()
