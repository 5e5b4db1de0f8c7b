"""Login under faults (issue 13): Redis down, parallel guessing, user/address keys, timing, proxies."""

from __future__ import annotations

import re
import socket
import statistics
import threading
import time

import pytest
from sqlalchemy import func, select

from app.login_throttle import MAX_FAILURES, MAX_PER_ADDRESS, LoginThrottle
from db.engine import make_engine, session_scope
from db.models import AuditLog
from db.repositories import users as users_repo


def _dead_redis_url() -> str:
    """A Redis URL nobody listens on (a port we bound and closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _post_login(client, username: str, password: str, **kw):
    page = client.get("/login", **kw).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"username": username, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, **kw)


def _failed_checks(settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as s:
            return s.scalar(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "login.failed")
            )
    finally:
        engine.dispose()


@pytest.fixture
def app_with_dead_redis(app_settings):
    from app.runtime import runtime
    from app.server import create_app

    app = create_app(app_settings.model_copy(update={"redis_url": _dead_redis_url()}))
    app.server.config["TESTING"] = True
    yield app
    runtime().close()


def test_login_works_with_redis_down(app_with_dead_redis):
    client = app_with_dead_redis.server.test_client()
    wrong = _post_login(client, "trader", "wrong-wrong")
    assert wrong.status_code == 401 and "올바르지 않습니다" in wrong.get_data(as_text=True)
    right = _post_login(client, "trader", "test-password-1")
    assert right.status_code == 302
    status = app_with_dead_redis.server.extensions["gslts_login_throttle"].status()
    assert status.backend == "memory" and status.degraded_since is not None

    from app.components.login_status import login_protection

    with app_with_dead_redis.server.test_request_context("/admin/status"):
        assert "Redis 연결 안 됨" in str(login_protection())
    # the in-process throttle still locks out
    other = app_with_dead_redis.server.test_client()
    for _ in range(MAX_FAILURES):
        assert _post_login(other, "trader", "wrong-again").status_code == 401
    assert _post_login(other, "trader", "test-password-1").status_code == 429


def test_parallel_wrong_passwords_are_not_all_checked(client, app_settings):
    """Thirty simultaneous guesses: only MAX_FAILURES reach the password check."""
    server = client.application
    clients = [server.test_client() for _ in range(30)]
    tokens = []
    for c in clients:
        page = c.get("/login").get_data(as_text=True)
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    start = threading.Barrier(len(clients))
    codes: list[int] = []

    def guess(c, token: str) -> None:
        start.wait()
        data = {"username": "trader", "password": "guess-guess", "csrf_token": token, "next": "/"}
        codes.append(c.post("/login", data=data).status_code)

    threads = [threading.Thread(target=guess, args=(c, tok)) for c, tok in zip(clients, tokens, strict=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(codes) == [401] * MAX_FAILURES + [429] * (30 - MAX_FAILURES)
    assert _failed_checks(app_settings) == MAX_FAILURES


def test_redis_reservation_is_atomic(redis_url, key_prefix):
    throttle = LoginThrottle(redis_url, prefix=key_prefix)
    start = threading.Barrier(30)
    admitted: list[bool] = []

    def attempt() -> None:
        start.wait()
        admitted.append(throttle.admit("trader", "10.1.1.1") == 0)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert admitted.count(True) == MAX_FAILURES


def test_lockout_is_keyed_by_user_and_address(redis_url, key_prefix):
    throttle = LoginThrottle(redis_url, prefix=key_prefix)
    for _ in range(MAX_FAILURES):
        assert throttle.admit("alice", "10.2.2.2") == 0
    assert throttle.admit("alice", "10.2.2.2") > 0
    assert throttle.admit("bob", "10.2.2.2") == 0  # another user from the same place
    assert throttle.admit("alice", "10.3.3.3") == 0  # the same user from elsewhere
    # ...but one address cannot spray names for ever
    for i in range(MAX_PER_ADDRESS):
        throttle.admit(f"user{i}", "10.4.4.4")
    assert throttle.admit("someone-else", "10.4.4.4") > 0


def test_unknown_users_cost_the_same_as_wrong_passwords(app_settings):
    engine = make_engine(app_settings.database_url)
    try:

        def median_s(username: str) -> float:
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                assert users_repo.verify(engine, username, "not-the-password") is None
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        median_s("trader")  # warm up
        known, unknown = median_s("trader"), median_s("nobody-like-this")
    finally:
        engine.dispose()
    assert 0.6 < unknown / known < 1.6, (known, unknown)


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(app_settings):
    from app.runtime import runtime
    from app.server import create_app

    def lock_out(app, forwarded: list[str]) -> list[int]:
        client = app.server.test_client()
        codes = []
        for xff in forwarded:
            headers = {"X-Forwarded-For": xff}
            codes.append(
                _post_login(
                    client, "trader", "wrong", headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"}
                ).status_code
            )
        return codes

    spoofed = [f"198.51.100.{i}" for i in range(MAX_FAILURES + 1)]
    app = create_app(app_settings)
    try:
        # no proxy configured: a forged header does not give each attempt a fresh address
        assert lock_out(app, spoofed)[-1] == 429
    finally:
        runtime().close()
    app = create_app(app_settings.model_copy(update={"trusted_proxies": 1}))
    try:
        # behind one trusted proxy, the forwarded client address is the key
        assert lock_out(app, spoofed)[-1] == 401
    finally:
        runtime().close()
