"""Login, CSRF, throttling and the public endpoints, through the real Flask server."""

from __future__ import annotations

import re

from app.login_throttle import MAX_FAILURES, LoginThrottle


def test_health_is_public(client):
    resp = client.get("/health")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ok"
    assert resp.get_json()["mode"] == "embedded"


def test_every_page_requires_login(client):
    for path in ("/", "/stocks", "/sectors", "/anything"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
    assert client.post("/_dash-update-component", json={}).status_code == 401


def test_login_then_pages_and_logout(client, login):
    resp = login(client)
    assert resp.status_code == 302
    assert client.get("/").headers["Location"].endswith("/ranking")
    page = client.get("/stocks")
    assert page.status_code == 200
    assert "gslts_csrf" in page.headers.get("Set-Cookie", "")
    cookies = ";".join(page.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in cookies or "session" not in cookies
    token = re.search(r"gslts_csrf=([^;]+)", cookies).group(1)
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    assert client.get("/stocks").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, login):
    resp = login(client, password="nope-nope-nope")
    assert resp.status_code == 401 and "올바르지 않습니다" in resp.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client):
    resp = client.post("/login", data={"username": "trader", "password": "test-password-1"})
    assert resp.status_code == 400


def test_dash_callbacks_need_the_csrf_header(client, login):
    login(client)
    assert client.post("/_dash-update-component", json={"output": "x.children"}).status_code == 400


def test_attempts_are_throttled(client, login):
    for _ in range(MAX_FAILURES):
        assert login(client, password="wrong-wrong").status_code == 401
    locked = login(client)  # even the right password waits
    assert locked.status_code == 429 and "너무 많습니다" in locked.get_data(as_text=True)


def test_next_only_follows_local_paths(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post(
        "/login",
        data={
            "username": "trader",
            "password": "test-password-1",
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert resp.headers["Location"] == "/"


def test_language_cookie_switches_the_login_form(client):
    client.get("/lang/en?next=/login")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/ko?next=/login")
    assert "로그인" in client.get("/login").get_data(as_text=True)


def test_throttle_is_shared_through_redis(redis_url, key_prefix):
    """Two web workers (two throttles) share the attempt count in full mode."""
    a = LoginThrottle(redis_url, prefix=key_prefix)
    b = LoginThrottle(redis_url, prefix=key_prefix)
    for _ in range(MAX_FAILURES - 1):
        assert a.admit("trader", "10.0.0.1") == 0
    assert b.admit("trader", "10.0.0.1") == 0  # the fifth attempt is still checked
    assert a.admit("trader", "10.0.0.1") > 0 and b.admit("trader", "10.0.0.2") == 0
    a.succeeded("trader", "10.0.0.1")
    assert b.admit("trader", "10.0.0.1") == 0
    assert a.status().backend == "redis"
