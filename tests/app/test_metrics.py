"""/metrics: who may read it (token, localhost, X-Forwarded-For only behind TRUSTED_PROXIES), and the
gateway's and the recorder's metrics after an order and a tick batch."""

from __future__ import annotations

import re
import time

import pytest
from pydantic import SecretStr
from support.orders import ctx_for
from support.recorder import TickSource

from trading.brokers.errors import OrderRejected
from trading.domain import OrderRequest, OrderType, Side

TOKEN = "metrics-token-123456"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` in an exposition (0 when absent); labels match as a subset."""
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def _app(app_settings, **overrides):  # noqa: ANN202
    from app.server import create_app

    settings = app_settings.model_copy(update={"metrics_token": SecretStr(TOKEN), **overrides})
    app = create_app(settings)
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def direct_app(app_settings):
    """No proxy in front: the socket peer is the client; X-Forwarded-For is ignored."""
    from app.runtime import runtime

    yield _app(app_settings)
    runtime().close()


@pytest.fixture
def proxied_app(app_settings):
    """One trusted reverse proxy (on 127.0.0.1): the client is the address it forwards."""
    from app.runtime import runtime

    yield _app(app_settings, trusted_proxies=1)
    runtime().close()


def test_metrics_needs_the_token_or_a_local_caller(direct_app):
    client = direct_app.server.test_client()
    refused = client.get("/metrics", environ_base=OUTSIDE)
    assert refused.status_code == 401 and "METRICS_TOKEN" in refused.get_json()["error"]
    assert TOKEN not in refused.get_data(as_text=True)
    wrong = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    # A forged X-Forwarded-For means nothing without TRUSTED_PROXIES.
    forged = client.get("/metrics", environ_base=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"})
    assert forged.status_code == 401
    ok = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"
    assert "# TYPE gslts_http_requests_total counter" in ok.get_data(as_text=True)
    for local in ("127.0.0.1", "::1"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": local}).status_code == 200


def test_api_tokens_can_be_accepted_through_the_hook(direct_app, monkeypatch):
    from app import metrics as app_metrics

    monkeypatch.setattr(app_metrics, "TOKEN_CHECKS", [])
    app_metrics.accept_tokens(lambda token: token == "api-token-of-a-user")
    client = direct_app.server.test_client()
    headers = {"Authorization": "Bearer api-token-of-a-user"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=headers).status_code == 200
    headers = {"Authorization": "Bearer another"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=headers).status_code == 401


def test_an_api_token_with_the_admin_scope_may_scrape(direct_app):
    from app.runtime import runtime
    from db.repositories.api_tokens import create_token, revoke_token
    from db.repositories.users import get_user

    engine = runtime().engine
    admin = get_user(engine, "trader")  # the test user is an admin
    info, admin_token = create_token(engine, admin, "prometheus", ("read", "admin"))
    _, read_token = create_token(engine, admin, "reader", ("read",))
    client = direct_app.server.test_client()

    def scrape(token: str) -> int:
        return client.get(
            "/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {token}"}
        ).status_code

    assert scrape(admin_token) == 200
    assert scrape(read_token) == 401  # a token without the admin scope
    revoke_token(engine, info.id, None, "test")
    assert scrape(admin_token) == 401  # revoked: refused at once (no cache here)


def test_behind_a_trusted_proxy_the_forwarded_client_counts(proxied_app):
    client = proxied_app.server.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    # The proxy is local, the client it forwards is not: refused without the token.
    outside = client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.4"})
    assert outside.status_code == 401
    headers = {"X-Forwarded-For": "198.51.100.4", "Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", environ_base=proxy, headers=headers).status_code == 200
    assert (
        client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "127.0.0.1"}).status_code
        == 200
    )


def test_gateway_metrics_after_orders_and_a_denial(paper_dash_app):
    from app.runtime import runtime

    client = paper_dash_app.server.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    gateway, ctx = runtime().gateway(), ctx_for()
    code = "005930"
    price = runtime().reader(ctx.account).quote(code).price
    gateway.place(OrderRequest(code, Side.BUY, 1, OrderType.LIMIT, price), ctx)
    with pytest.raises(OrderRejected):
        gateway.place(OrderRequest(code, Side.BUY, 0, OrderType.LIMIT, price), ctx)  # BAD_QTY
    after = client.get("/metrics").get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("gslts_orders_total", broker="paper", action="place", result="accepted") == 1
    assert grew("gslts_orders_total", broker="paper", action="place", result="rejected") == 1
    assert grew("gslts_order_denials_total", reason="BAD_QTY") == 1
    assert grew("gslts_order_gateway_seconds_count", broker="paper", action="place") == 2
    assert _value(after, "gslts_account_risk_state", account=ctx.account) == 0  # active
    assert _value(after, "gslts_market_last_tick_timestamp_seconds") > 0  # the paper market steps
    # The kill switch: counted, the account's state halted (2), its open order cancelled through the gateway.
    gateway.kill(ctx, "metrics test")
    killed = client.get("/metrics").get_data(as_text=True)
    assert (
        _value(killed, "gslts_kill_switch_total", account=ctx.account)
        - _value(after, "gslts_kill_switch_total", account=ctx.account)
        == 1
    )
    assert _value(killed, "gslts_account_risk_state", account=ctx.account) == 2
    gateway.set_risk_state(ctx, "active")


def test_recorder_metrics_after_a_tick_batch(dash_app, app_settings):
    from db.repositories.tick_sink import make_sink
    from workers.recorder.codec import pack_ticks
    from workers.recorder.health import FileHealthStore
    from workers.recorder.spool import SpoolReader, SpoolWriter
    from workers.recorder.stats import WriterStats
    from workers.recorder.writer import BatchWriter

    client = dash_app.server.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    spool_dir = app_settings.data_dir / "spool-test"
    SpoolWriter(spool_dir).append(pack_ticks(TickSource().batch(120)), 120, 1)
    stats = WriterStats()
    writer = BatchWriter(SpoolReader(spool_dir), make_sink(app_settings.database_url), stats, flush_s=0.0)
    writer.poll()
    assert writer.flush()
    # The recorder publishes its health (what /admin/status and the lag gauge read).
    health = FileHealthStore(app_settings.data_dir / "recorder" / "health.json")
    health.write("writer", {**stats.snapshot(), "updated": time.time()})
    after = client.get("/metrics").get_data(as_text=True)
    assert (
        _value(after, "gslts_recorder_ticks_written_total")
        - _value(before, "gslts_recorder_ticks_written_total")
        == 120
    )
    assert _value(after, "gslts_recorder_committed_rows_total") == 120
    assert "gslts_recorder_lag_seconds 0.0" in after and _value(after, "gslts_recorder_up") == 1


def test_the_krx_session_gauge_follows_the_exchange_calendar(direct_app):
    """``gslts_krx_session_open`` for the alert rules: 1 in a session, 0 before the open, on a holiday and on a
    CSAT day's shifted 09:30 (the open is 10:00); the scrape carries it."""
    from datetime import datetime

    from app.metrics import KrxSessionCollector
    from trading.domain import KST

    def value(*at: int) -> float:
        (metric,) = KrxSessionCollector(lambda: datetime(*at, tzinfo=KST)).collect()
        return metric.samples[0].value

    assert value(2026, 12, 1, 10, 0) == 1.0  # a Tuesday session
    assert value(2026, 12, 1, 15, 29) == 1.0
    assert value(2026, 12, 1, 8, 59) == 0.0
    assert value(2026, 12, 1, 15, 30) == 0.0
    assert value(2026, 12, 25, 10, 0) == 0.0  # Christmas, a Friday: KRX is closed
    assert value(2026, 11, 19, 9, 30) == 0.0  # the CSAT (수능) day opens at 10:00
    assert value(2026, 11, 19, 10, 30) == 1.0
    text = direct_app.server.test_client().get("/metrics").get_data(as_text=True)
    assert re.search(r"^gslts_krx_session_open [01]\.0$", text, re.M)
