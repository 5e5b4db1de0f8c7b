"""The caller's alerts: their events (the in-app notification list: orders, fills, stops, bot signals, risk
states, reports, price alerts, health), price alerts (list, add, delete), and ``GET /api/v1/events``, a
server-sent-events stream of new events (resumable with ``Last-Event-ID``; not in the OpenAPI spec, which
describes request/response endpoints)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

from flask import Response, request, stream_with_context

from app.api import bp
from app.api.endpoint import Call, Endpoint, api
from app.api.problems import ApiProblem, problem_response
from app.api.schemas import AlertEventOut, EventsQuery, PriceAlertIn, PriceAlertOut, Problem
from app.runtime import runtime
from app.stream import stopping
from db.repositories import alerts as alerts_repo
from db.repositories.alerts import Notification, PriceAlert
from services.alerts import admin

ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
POLL_S, HEARTBEAT_S, STREAM_S = 0.5, 15.0, 600.0
STREAMS_MAX, STREAMS_PER_TOKEN = 8, 2  # event streams per process (each holds a thread) and per token
_streams: dict[int, int] = {}  # token id → open streams
_streams_lock = threading.Lock()


def _open_stream(token_id: int) -> bool:
    with _streams_lock:
        if sum(_streams.values()) >= STREAMS_MAX or _streams.get(token_id, 0) >= STREAMS_PER_TOKEN:
            return False
        _streams[token_id] = _streams.get(token_id, 0) + 1
        return True


def _close_stream(token_id: int) -> None:
    with _streams_lock:
        left = _streams.get(token_id, 0) - 1
        if left > 0:
            _streams[token_id] = left
        else:
            _streams.pop(token_id, None)


def _event_out(n: Notification) -> AlertEventOut:
    return AlertEventOut(id=n.id, type=n.type, dedupe_id=n.dedupe_id, time=n.time, mode=n.mode, read=n.read,
                         payload=n.payload)  # fmt: skip


def _alert_out(a: PriceAlert) -> PriceAlertOut:
    return PriceAlertOut(id=a.id, code=a.code, kind=a.kind, value=a.value, status=a.status,
                         created_at=a.created_at, fired_at=a.fired_at, fired_price=a.fired_price)  # fmt: skip


@api(Endpoint("GET", "/alerts/events", "Your events after a cursor (oldest first)", "alerts", "read",
              list[AlertEventOut], query=EventsQuery,
              description="The in-app notifications of the events set on or silent. Read the next page with "
              "after = the last id. GET /api/v1/events streams the same events as they happen."))  # fmt: skip
def list_events(call: Call) -> list[AlertEventOut]:
    q: EventsQuery = call.query
    return [_event_out(n) for n in admin.events_after(runtime().engine, call.user.user_id, q.after, q.limit)]


@api(Endpoint("GET", "/alerts/price", "Your price alerts", "alerts", "read", list[PriceAlertOut]))
def list_price_alerts(call: Call) -> list[PriceAlertOut]:
    return [_alert_out(a) for a in alerts_repo.price_alerts(runtime().engine, call.user.user_id)]


@api(Endpoint("POST", "/alerts/price", "Add a price alert", "alerts", "trade", PriceAlertOut, body=PriceAlertIn,
              status=201, store_answer=True,
              description="above/below: the price crosses the value (won); move_pct: ±value % from the "
              "previous close; top_n: the stock enters the 거래대금 TOP value. Evaluated on ticks."))  # fmt: skip
def add_price_alert(call: Call) -> PriceAlertOut:
    b: PriceAlertIn = call.body
    engine = runtime().engine
    try:
        alert_id = admin.add_price_alert(engine, call.user.user_id, b.code, b.kind, b.value)
    except admin.AlertError as err:
        raise ApiProblem("INVALID_REQUEST", f"{err.key}: {err}") from None
    return next(
        _alert_out(a) for a in alerts_repo.price_alerts(engine, call.user.user_id) if a.id == alert_id
    )


@api(Endpoint("POST", "/alerts/price/<int:alert_id>/delete", "Delete a price alert", "alerts", "trade", None,
              status=204, others={404: Problem}, path_params={"alert_id": ID}))  # fmt: skip
def delete_price_alert(call: Call, alert_id: int) -> None:
    engine = runtime().engine
    if not any(a.id == alert_id for a in alerts_repo.price_alerts(engine, call.user.user_id)):
        raise ApiProblem(
            "NOT_FOUND", f"no price alert {alert_id}", f"가격 알림 {alert_id}을(를) 찾을 수 없습니다"
        )
    admin.delete_price_alert(engine, call.user.user_id, alert_id)


def _sse(n: Notification) -> str:
    data = _event_out(n).model_dump(mode="json")
    return f"id: {n.id}\nevent: {n.type}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@bp.get("/events")
def events_stream() -> Response:
    """Server-sent events: the caller's new events as they are written (``Last-Event-ID`` or ``?after=``
    resumes after an id; without either, only events from now on)."""
    from app.api.auth import authenticate

    try:
        user, headers = authenticate("read")
        raw = request.headers.get("Last-Event-ID") or request.args.get("after")
        after = int(raw) if raw is not None and raw.strip().isdigit() else None
        if raw is not None and after is None:
            raise ApiProblem("INVALID_REQUEST", "after / Last-Event-ID must be an event id (a whole number)")
    except ApiProblem as problem:
        return problem_response(problem)
    engine = runtime().engine
    if after is None:
        newest = alerts_repo.notifications(engine, user.user_id, 1)
        after = newest[0].id if newest else 0
    if not _open_stream(user.token_id):
        return problem_response(
            ApiProblem(
                "UNAVAILABLE", f"too many event streams (at most {STREAMS_PER_TOKEN} per token); retry later"
            )
        )
    done = threading.Lock()

    def cleanup() -> None:  # once: after the body's end, or on close when it never started (HEAD, errors)
        if done.acquire(blocking=False):
            _close_stream(user.token_id)

    def body(cursor: int) -> Iterator[str]:
        try:
            yield "retry: 2000\n\n"
            end, beat = time.monotonic() + STREAM_S, time.monotonic()
            while time.monotonic() < end and not stopping():
                for n in admin.events_after(engine, user.user_id, cursor, 100):
                    cursor = n.id
                    yield _sse(n)
                if time.monotonic() - beat >= HEARTBEAT_S:
                    beat = time.monotonic()
                    yield ": keep-alive\n\n"
                time.sleep(POLL_S)
        except SystemExit:
            return  # dash.testing's server ends its request threads so
        finally:
            cleanup()

    resp = Response(stream_with_context(body(after)), mimetype="text/event-stream", headers=headers)
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    resp.call_on_close(cleanup)
    return resp
