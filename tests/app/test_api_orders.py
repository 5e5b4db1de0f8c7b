"""The REST API's orders and tokens against the running paper market: a read token cannot place an
order, a replayed Idempotency-Key returns the same order, dry runs return the gateway's verdict with
fees, errors are problem+json with the typed reason, revoked tokens and the rate limit are enforced."""

from __future__ import annotations

import pytest
from conftest import TEST_USER
from sqlalchemy import func, select
from support.api import bearer, make_token

from db.models import OrderIntent
from db.repositories.users import add_user

CODE = "005930"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(paper_dash_app, app_settings):
    from db.engine import make_engine

    engine = make_engine(app_settings.database_url)
    add_user(engine, "viewer", "viewer-password-1", role="viewer")
    engine.dispose()
    client = paper_dash_app.server.test_client()
    return client, app_settings


def _intents() -> int:
    from app.runtime import runtime

    with runtime().engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OrderIntent)).scalar()


def _order(client, headers) -> dict:  # noqa: ANN001
    quote = client.get(f"/api/v1/quotes/{CODE}", headers=headers).json
    return {"code": CODE, "side": "buy", "type": "limit", "qty": 1, "price": quote["lower_limit"]}


def test_a_read_token_cannot_place_an_order(api):
    client, settings = api
    read = bearer(make_token(settings.database_url, TEST_USER, ("read",)))
    assert client.get("/api/v1/balance", headers=read).status_code == 200
    before = _intents()
    resp = client.post("/api/v1/orders", json=_order(client, read), headers=read | {"Idempotency-Key": "r1"})
    assert resp.status_code == 403
    assert resp.mimetype == PROBLEM
    assert resp.json["reason"] == "INSUFFICIENT_SCOPE"
    assert _intents() == before
    # No token, a bad token: 401 with the challenge; the session cookie is not an API credential.
    resp = client.post("/api/v1/orders", json=_order(client, read))
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/balance", headers=bearer("gslts_nope_x")).json["reason"] == "UNAUTHENTICATED"


def test_a_viewer_cannot_hold_or_use_a_trade_token(api):
    from app.runtime import runtime
    from db.models import ApiToken
    from db.repositories.users import UserError

    client, settings = api
    with pytest.raises(UserError, match="viewer may not hold the 'trade' scope"):
        make_token(settings.database_url, "viewer", ("read", "trade"))
    # A trader's trade token stops trading when the user becomes a viewer (the role limits it at use).
    add_user(runtime().engine, "later", "later-password-1", role="trader")
    secret = make_token(settings.database_url, "later", ("read", "trade"))
    from db.repositories.users import set_role

    set_role(runtime().engine, "later", "viewer")
    import time

    time.sleep(1.1)  # the 1 s token cache
    resp = client.post("/api/v1/orders", json=_order(client, bearer(secret)), headers=bearer(secret))
    assert resp.status_code == 403 and resp.json["reason"] == "INSUFFICIENT_SCOPE"
    with runtime().engine.connect() as conn:
        hashes = conn.execute(select(ApiToken.token_hash)).scalars().all()
    assert secret not in hashes and all(len(h) == 64 for h in hashes)  # only the SHA-256 is stored


def test_replaying_an_idempotency_key_returns_the_same_order(api):
    client, settings = api
    trade = bearer(make_token(settings.database_url, TEST_USER, ("read", "trade")))
    body = _order(client, trade)
    first = client.post("/api/v1/orders", json=body, headers=trade | {"Idempotency-Key": "order-1"})
    assert first.status_code == 201, first.json
    intents = _intents()
    again = client.post("/api/v1/orders", json=body, headers=trade | {"Idempotency-Key": "order-1"})
    assert again.status_code == 201
    assert again.json["order_id"] == first.json["order_id"]
    assert _intents() == intents  # no second order
    listed = client.get("/api/v1/orders?status=open", headers=trade).json
    assert [o["order_id"] for o in listed].count(first.json["order_id"]) == 1
    # The same key for a different order is refused, typed.
    other = client.post(
        "/api/v1/orders", json=body | {"qty": 2}, headers=trade | {"Idempotency-Key": "order-1"}
    )
    assert other.status_code == 422 and other.json["reason"] == "IDEMPOTENCY_MISMATCH"
    # Modify, then cancel, through the gateway; a replayed cancel answers the same cancelled order.
    oid = first.json["order_id"]
    mod = client.post(
        f"/api/v1/orders/{oid}/modify", json={"qty": 3}, headers=trade | {"Idempotency-Key": "m1"}
    )
    assert mod.status_code == 200 and mod.json["qty"] == 3
    for _ in range(2):
        cancel = client.post(f"/api/v1/orders/{oid}/cancel", headers=trade | {"Idempotency-Key": "c1"})
        assert cancel.status_code == 200 and cancel.json["status"] == "cancelled"
    assert client.get(f"/api/v1/orders/{oid}", headers=trade).json["status"] == "cancelled"


def test_dry_run_returns_the_gateways_verdict_with_fees_and_the_confirmation(api):
    from app.runtime import runtime

    client, settings = api
    trade = bearer(make_token(settings.database_url, TEST_USER, ("read", "trade")))
    body = _order(client, trade) | {"qty": 10}
    before = _intents()
    off_tick = client.post(
        "/api/v1/orders?dry_run=true", json=body | {"price": body["price"] + 1}, headers=trade
    )
    assert off_tick.status_code == 200
    assert off_tick.json["verdict"] == "rejected" and off_tick.json["reason"] == "OFF_TICK"
    sell = client.post("/api/v1/orders?dry_run=true", json=body | {"side": "sell"}, headers=trade).json
    assert sell["verdict"] == "accepted" and sell["tax"] > 0  # the sell tax
    assert sell["total"] == sell["amount"] - sell["commission"] - sell["tax"]
    buy = body
    ok = client.post("/api/v1/orders?dry_run=true", json=buy, headers=trade).json
    assert ok["verdict"] == "accepted" and ok["amount"] == buy["price"] * 10
    assert ok["total"] == ok["amount"] + ok["commission"] and ok["commission"] > 0 and ok["tax"] == 0
    assert _intents() == before  # a dry run writes nothing
    # A large order needs the token of a dry run made with the same Idempotency-Key.
    big = buy | {"qty": runtime().settings.order_confirm_amount // buy["price"] + 1}
    key = trade | {"Idempotency-Key": "big-1"}
    refused = client.post("/api/v1/orders", json=big, headers=key)
    assert refused.status_code == 428 and refused.json["reason"] == "CONFIRM_REQUIRED"
    verdict = client.post("/api/v1/orders?dry_run=true", json=big, headers=key).json
    assert verdict["confirm"] == ["large"] and verdict["confirm_token"]
    placed = client.post(
        "/api/v1/orders", json=big | {"confirm_token": verdict["confirm_token"]}, headers=key
    )
    assert placed.status_code == 201 and placed.json["qty"] == big["qty"]


def test_errors_are_problem_json_and_revoked_tokens_and_the_rate_limit_are_enforced(api):
    from app.api.ratelimit import RateLimiter
    from app.runtime import runtime
    from db.repositories import api_tokens

    client, settings = api
    secret = make_token(settings.database_url, TEST_USER, ("read", "trade"))
    headers = bearer(secret)
    bad = client.post("/api/v1/orders", json={"code": CODE, "side": "hold", "qty": 0}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == PROBLEM and bad.json["reason"] == "INVALID_REQUEST"
    off_tick = _order(client, headers) | {"price": _order(client, headers)["price"] + 1}
    resp = client.post("/api/v1/orders", json=off_tick, headers=headers)
    assert resp.status_code == 422 and resp.json["reason"] == "OFF_TICK" and resp.json["detail_ko"]
    assert client.get("/api/v1/nowhere", headers=headers).json["reason"] == "NOT_FOUND"
    client.application.extensions["gslts_api_limiter"] = RateLimiter(3)
    codes = [client.get("/api/v1/balance", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/balance", headers=headers)
    assert limited.json["reason"] == "RATE_LIMITED" and int(limited.headers["Retry-After"]) >= 1
    client.application.extensions["gslts_api_limiter"] = RateLimiter(1000)
    (token,) = [t for t in api_tokens.list_tokens(runtime().engine) if t.name == "test-read-trade"]
    api_tokens.revoke_token(runtime().engine, token.id, None, "test")
    from app.api.auth import forget_tokens

    forget_tokens()
    assert client.get("/api/v1/balance", headers=headers).status_code == 401
