"""The market's durable event log (full mode): a durable consumer misses nothing through a Redis restart
or its own restart, and the owner holds what it could not publish instead of dropping it (issue 13)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import redis
from support.private_services import PrivateRedis
from support.wait import wait_for

from trading.brokers.base import Channel
from trading.brokers.redis_rpc import RedisRpcServer, RedisTransport
from trading.domain import Tick
from trading.timeconv import as_kst

SECRET = b"s" * 32
T0 = as_kst(datetime(2026, 11, 30, 9, 0))


def tick(seq: int, code: str = "005930") -> Tick:
    return Tick(code, T0, seq, 70_000, 1, seq, 70_000 * seq)


class Seen:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, event: object) -> None:
        with self.lock:
            self.seqs.append(event.seq)  # type: ignore[attr-defined]

    def distinct(self) -> set[int]:
        with self.lock:
            return set(self.seqs)


def owner_server(url: str) -> RedisRpcServer:
    """The owner's publishing side; its background flusher idles, so the test's flush() is the one."""
    server = RedisRpcServer(None, url, SECRET)  # type: ignore[arg-type] - publishing only
    server.FLUSH_S = 3600.0
    return server


def publish(server: RedisRpcServer, seqs: range) -> None:
    put = server.publisher(Channel.TICKS)
    for s in seqs:
        put(tick(s))
    server.flush()


@pytest.fixture
def private_redis(tmp_path):
    r = PrivateRedis(tmp_path / "redis").start()
    yield r
    r.stop()


def test_a_durable_consumer_reads_through_a_redis_restart_and_the_owner_holds_what_it_could_not_send(
    private_redis,
):
    server = owner_server(private_redis.url)
    consumer = RedisTransport(private_redis.url, SECRET)
    consumer.resume_as("recorder")
    seen = Seen()
    consumer.subscribe(Channel.TICKS, ["005930"], seen)
    page = RedisTransport(private_redis.url, SECRET)  # a live page: pub/sub, not durable
    live = Seen()
    page.subscribe(Channel.TICKS, ["005930"], live)
    try:
        assert wait_for(lambda: consumer._feeds[Channel.TICKS].cursor is not None, 5)
        publish(server, range(1, 101))
        assert wait_for(lambda: seen.distinct() == set(range(1, 101)), 5)
        assert wait_for(lambda: set(live.distinct()) == set(range(1, 101)), 5)

        private_redis.stop()
        put = server.publisher(Channel.TICKS)
        for s in range(101, 201):
            put(tick(s))
        with pytest.raises(redis.RedisError):
            server.flush()
        assert server.held == 100  # kept, in order, for when Redis is back

        private_redis.start()
        assert server.flush() == 100
        assert server.held == 0
        assert wait_for(lambda: seen.distinct() == set(range(1, 201)), 15)
        assert len(seen.seqs) == 200  # nothing twice either: the reader continued from its cursor
        # The live page's subscription survived the restart too (newest events; no history).
        assert wait_for(lambda: page._subs[0]._pubsub.connection is not None, 5)
        for seq in range(201, 230):  # pub/sub keeps nothing: publish until the resubscribed page hears
            publish(server, range(seq, seq + 1))
            if wait_for(lambda: max(live.distinct()) > 200, 0.5):
                break
        assert max(live.distinct()) > 200
    finally:
        consumer.close()
        page.close()


def test_a_restarted_durable_consumer_gets_what_was_published_while_it_was_down(private_redis):
    server = owner_server(private_redis.url)
    first = RedisTransport(private_redis.url, SECRET)
    first.resume_as("recorder")
    seen_first = Seen()
    first.subscribe(Channel.TICKS, [], seen_first)
    assert wait_for(lambda: first._feeds[Channel.TICKS].cursor is not None, 5)
    publish(server, range(1, 51))
    assert wait_for(lambda: seen_first.distinct() == set(range(1, 51)), 5)
    first._feeds[Channel.TICKS].lag_s = 0.0  # let it save its cursor right away, then "crash"
    assert wait_for(lambda: server.redis.get(first._feeds[Channel.TICKS].cursor_key) is not None, 5)
    first.close()

    publish(server, range(51, 151))  # nobody listening

    again = RedisTransport(private_redis.url, SECRET)
    again.resume_as("recorder")
    seen_again = Seen()
    again.subscribe(Channel.TICKS, ["005930"], seen_again)
    other = Seen()
    again.subscribe(Channel.TICKS, ["000660"], other)  # filtered by code like any subscription
    try:
        assert wait_for(lambda: set(range(51, 151)) <= seen_again.distinct(), 10)
        assert other.seqs == []
    finally:
        again.close()


def test_junk_on_the_log_is_skipped_and_the_feed_goes_on(private_redis):
    server = owner_server(private_redis.url)
    consumer = RedisTransport(private_redis.url, SECRET)
    consumer.resume_as("recorder")
    seen = Seen()
    consumer.subscribe(Channel.TICKS, [], seen)
    try:
        feed = consumer._feeds[Channel.TICKS]
        assert wait_for(lambda: feed.cursor is not None, 5)
        server.redis.xadd(feed.key, {"d": b"{not json"})
        server.redis.xadd(feed.key, {"x": b"1"})
        publish(server, range(1, 11))
        assert wait_for(lambda: seen.distinct() == set(range(1, 11)), 5)
    finally:
        consumer.close()


def test_a_first_start_reads_the_new_session_from_its_origin_not_from_now(private_redis):
    """A new demo session publishes its pre-traded morning before the recorder runs: the recorder's first
    start (no saved cursor) reads from the session's origin, so it loses none of those ticks."""
    from trading.brokers.redis_log import mark_origin

    server = owner_server(private_redis.url)
    publish(server, range(1, 11))  # an older session's events
    mark_origin(server.redis, server.prefix)  # the market starts a new session
    publish(server, range(11, 511))  # its morning, caught up before any consumer runs
    consumer = RedisTransport(private_redis.url, SECRET)
    consumer.resume_as("recorder")
    seen = Seen()
    consumer.subscribe(Channel.TICKS, [], seen)
    try:
        assert wait_for(lambda: seen.distinct() == set(range(11, 511)), 10)
        publish(server, range(511, 521))
        assert wait_for(lambda: max(seen.distinct()) == 520, 5)
        assert sorted(seen.seqs) == list(range(11, 521))  # nothing lost, nothing twice
    finally:
        consumer.close()
