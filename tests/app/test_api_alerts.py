"""The REST API's alerts: the caller's events after a cursor, price alerts (add, list, delete; a read token
cannot add), and ``GET /api/v1/events``, the server-sent stream of new events, resumable by id."""

from __future__ import annotations

import json

import pytest
from conftest import TEST_USER
from support.api import bearer, make_token
from support.wait import wait_for

CODE = "005930"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(paper_dash_app, app_settings):
    from app.runtime import runtime
    from services.alerts.dispatcher import Dispatcher

    rt = runtime()
    own = rt.alerts_dispatcher is None
    dispatcher = Dispatcher(rt.engine, app_settings).start() if own else rt.alerts_dispatcher
    yield paper_dash_app.server.test_client(), app_settings
    if own:
        dispatcher.stop()


def _place(client, headers, key: str) -> dict:  # noqa: ANN001
    quote = client.get(f"/api/v1/quotes/{CODE}", headers=headers).json
    order = {"code": CODE, "side": "buy", "type": "limit", "qty": 1, "price": quote["lower_limit"]}
    resp = client.post("/api/v1/orders", json=order, headers=headers | {"Idempotency-Key": key})
    assert resp.status_code in (200, 201), resp.json
    return resp.json


def test_price_alerts_are_added_listed_and_deleted_with_a_trade_token(api):
    client, settings = api
    trade = bearer(make_token(settings.database_url, TEST_USER, ("read", "trade")))
    read = bearer(make_token(settings.database_url, TEST_USER, ("read",)))
    body = {"code": CODE, "kind": "above", "value": 90_000}
    denied = client.post("/api/v1/alerts/price", json=body, headers=read | {"Idempotency-Key": "pa0"})
    assert denied.status_code == 403 and denied.json["reason"] == "INSUFFICIENT_SCOPE"
    made = client.post("/api/v1/alerts/price", json=body, headers=trade | {"Idempotency-Key": "pa1"})
    assert made.status_code == 201, made.json
    alert = made.json
    assert (alert["code"], alert["kind"], alert["value"], alert["status"]) == (
        CODE,
        "above",
        90_000,
        "active",
    )
    again = client.post("/api/v1/alerts/price", json=body, headers=trade | {"Idempotency-Key": "pa1"})
    assert again.json["id"] == alert["id"]  # a replayed key: the same alert, not a second one
    assert [a["id"] for a in client.get("/api/v1/alerts/price", headers=read).json].count(alert["id"]) == 1
    bad = client.post(
        "/api/v1/alerts/price", json=body | {"kind": "sideways"}, headers=trade | {"Idempotency-Key": "pa2"}
    )
    assert (
        bad.status_code in (400, 422) and bad.mimetype == PROBLEM and bad.json["reason"] == "INVALID_REQUEST"
    )
    gone = client.post(
        f"/api/v1/alerts/price/{alert['id']}/delete", headers=trade | {"Idempotency-Key": "pa3"}
    )
    assert gone.status_code == 204
    assert alert["id"] not in [a["id"] for a in client.get("/api/v1/alerts/price", headers=read).json]
    missing = client.post(
        f"/api/v1/alerts/price/{alert['id']}/delete", headers=trade | {"Idempotency-Key": "pa4"}
    )
    assert missing.status_code == 404 and missing.mimetype == PROBLEM


def test_events_are_listed_after_a_cursor_and_streamed_as_they_happen(api):
    client, settings = api
    headers = bearer(make_token(settings.database_url, TEST_USER, ("read", "trade")))
    events = client.get("/api/v1/alerts/events", headers=headers).json
    cursor = events[-1]["id"] if events else 0
    # the stream from now on (no Last-Event-ID): the next order's event arrives on it
    stream = client.get("/api/v1/events", headers=headers, buffered=False)
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    order = _place(client, headers, "ev1")

    def accepted() -> list[dict]:
        rows = client.get(f"/api/v1/alerts/events?after={cursor}", headers=headers).json
        return [
            e
            for e in rows
            if e["type"] == "order.accepted" and e["payload"].get("order_id") == order["order_id"]
        ]

    assert wait_for(lambda: accepted(), timeout=15)
    event = accepted()[0]
    assert event["id"] > cursor and event["dedupe_id"]
    received = ""
    chunks = iter(stream.response)
    while f"id: {event['id']}\n" not in received:
        received += next(chunks).decode()
    block = received[received.index(f"id: {event['id']}\n") :].split("\n\n")[0]
    assert "event: order.accepted" in block
    data = json.loads(block.split("data: ", 1)[1])
    assert data["dedupe_id"] == event["dedupe_id"]
    stream.close()
    # resumed after an id: what came after it, and nothing before
    resumed = client.get("/api/v1/events", headers=headers | {"Last-Event-ID": str(cursor)}, buffered=False)
    first = ""
    chunks = iter(resumed.response)
    while "id: " not in first:
        first += next(chunks).decode()
    ids = [int(line[4:]) for line in first.splitlines() if line.startswith("id: ")]
    assert ids and min(ids) > cursor
    resumed.close()
    bad = client.get("/api/v1/events", headers=headers | {"Last-Event-ID": "x"})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert client.get("/api/v1/events").status_code == 401


def test_event_streams_are_capped_per_token_and_a_head_request_frees_its_slot(api):
    client, settings = api
    headers = bearer(make_token(settings.database_url, TEST_USER, ("read",)))
    for _ in range(5):  # a HEAD never starts the stream's body: its slot must still be given back
        head = client.head("/api/v1/events", headers=headers)
        assert head.status_code == 200
        head.close()  # as the server closes every response
    first = client.get("/api/v1/events", headers=headers, buffered=False)
    second = client.get("/api/v1/events", headers=headers, buffered=False)
    third = client.get("/api/v1/events", headers=headers)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 503)
    assert third.json["reason"] == "UNAVAILABLE"
    second.close()  # (the test client's streamed contexts close last-in, first-out)
    again = client.get("/api/v1/events", headers=headers, buffered=False)
    assert again.status_code == 200
    again.close()
    first.close()
