"""Backtests, bots and admin over the REST API: a submitted backtest is a stored run the caller can
follow (a replayed Idempotency-Key is the same run, not a second), bad requests and bot refusals are
typed problems, and only an admin token lists and revokes every user's tokens."""

from __future__ import annotations

from conftest import TEST_USER
from support.api import bearer, make_token

from db.repositories.users import add_user

BACKTEST = {
    "strategy": "ma_cross",
    "params": {},
    "config": {
        "universe": {"kind": "codes", "codes": ["005930"]},
        "start": "2026-01-05",
        "end": "2026-06-30",
    },
}


def test_backtests_bots_and_admin_tokens(dash_app, app_settings):
    from app.runtime import runtime

    client = dash_app.server.test_client()
    admin_secret = make_token(app_settings.database_url, TEST_USER, ("read", "trade", "admin"))
    admin = bearer(admin_secret)
    key = admin | {"Idempotency-Key": "bt-1"}
    first = client.post("/api/v1/backtests", json=BACKTEST, headers=key)
    assert first.status_code == 202, first.json
    again = client.post("/api/v1/backtests", json=BACKTEST, headers=key)
    assert again.status_code == 202 and again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/backtests", json=BACKTEST | {"name": "x"}, headers=key)
    assert other.status_code == 422 and other.json["reason"] == "IDEMPOTENCY_MISMATCH"
    run_id = first.json["id"]
    status = client.get(f"/api/v1/backtests/{run_id}", headers=admin)
    assert status.status_code == 200 and status.json["strategy"] == "ma_cross"
    assert client.get(f"/api/v1/backtests/{run_id}/result", headers=admin).json["id"] == run_id
    bad = client.post("/api/v1/backtests", json=BACKTEST | {"strategy": "no_such"}, headers=admin)
    assert bad.status_code == 422 and bad.json["reason"] == "BACKTEST_INVALID" and bad.json["detail_ko"]

    # Another user's run is not found for a trader; bots: the list, and a refused action typed.
    add_user(runtime().engine, "other", "other-password-1", role="trader")
    other_token = bearer(make_token(app_settings.database_url, "other", ("read", "trade")))
    assert client.get(f"/api/v1/backtests/{run_id}", headers=other_token).status_code == 404
    assert client.get("/api/v1/bots", headers=other_token).json == []
    refused = client.post("/api/v1/bots/999/start", headers=other_token)
    assert refused.status_code == 409 and refused.json["reason"] == "BOT_ACTION"

    # Admin: a trader's token has no admin scope; the admin's lists every user's and revokes any.
    assert client.get("/api/v1/admin/tokens", headers=other_token).json["reason"] == "INSUFFICIENT_SCOPE"
    tokens = client.get("/api/v1/admin/tokens", headers=admin).json
    assert {t["user"] for t in tokens} == {TEST_USER, "other"}
    (theirs,) = [t for t in tokens if t["user"] == "other"]
    assert client.post(f"/api/v1/admin/tokens/{theirs['id']}/revoke", headers=admin).json["revoked_at"]
    assert client.get("/api/v1/bots", headers=other_token).status_code == 401

    # The docs page lists the endpoints with their scopes and every problem reason under its anchor.
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "REST API 문서" in docs and "/api/v1/orders/{order_id}/cancel" in docs
    assert 'id="problem-idempotency_mismatch"' in docs and 'id="problem-confirm_required"' in docs
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and spec["paths"]["/api/v1/orders"]["post"]["x-scope"] == "trade"
    daily = client.get("/api/v1/bars/005930/daily?start=2026-01-05&end=2026-01-09", headers=admin)
    assert daily.status_code == 200 and isinstance(daily.json, list)
    backwards = client.get("/api/v1/bars/005930/daily?start=2026-02-01&end=2026-01-01", headers=admin)
    assert backwards.status_code == 422 and "start must not be after end" in backwards.json["detail"]
