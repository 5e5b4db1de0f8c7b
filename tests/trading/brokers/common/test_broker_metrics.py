"""The adapters' metrics against the fake KIS and Kiwoom servers: REST calls by HTTP class, the token's expiry,
local and broker throttles, errors by the broker's code, and the websocket's last tick."""

from __future__ import annotations

import time

import pytest
from support.metrics import metric_sum as _sample
from support.wait import wait_for

from trading.brokers import Channel
from trading.brokers.errors import RateLimited


def test_rest_calls_token_and_throttles(make_kis, fake_kis):
    calls = _sample("gslts_broker_requests_total", broker="kis", status="2xx")
    broker = make_kis()  # mock: 1 request per second, paced here
    broker.quote("005930")
    broker.quote("005930")  # waits for the limiter: a local throttle
    assert _sample("gslts_broker_requests_total", broker="kis", status="2xx") >= calls + 3  # token + 2 quotes
    assert _sample("gslts_broker_request_seconds_count", broker="kis") > 0
    expiry = _sample("gslts_broker_token_expiry_timestamp_seconds", broker="kis")
    assert expiry > time.time() + 3600  # the fake's token lives a day
    assert _sample("gslts_broker_throttles_total", broker="kis", source="local") >= 1


def test_broker_rate_limit_answers_count_as_throttles_and_errors(make_kis, fake_kis):
    broker = make_kis(rate_mock_per_s=100, rate_limit_retries=1, rate_limit_backoff_s=0.01)
    broker.quote("005930")  # the token first
    throttled = _sample("gslts_broker_throttles_total", broker="kis", source="broker")
    errors = _sample("gslts_broker_errors_total", broker="kis", code="EGW00201")
    fake_kis.enforce_rate = (1, 60.0)  # EGW00201 from now on
    with pytest.raises(RateLimited):
        broker.quote("005930")
        broker.quote("005930")
    assert _sample("gslts_broker_throttles_total", broker="kis", source="broker") >= throttled + 2
    assert _sample("gslts_broker_errors_total", broker="kis", code="EGW00201") >= errors + 2


def test_websocket_last_tick_and_connection(make_kis, fake_kis):
    broker = make_kis(ws_stale_after_s=5.0, ws_reconnect_delay_s=0.1)
    got: list[object] = []
    broker.subscribe(Channel.TICKS, ["005930"], got.append)
    assert wait_for(lambda: any(("H0STCNT0", "005930") in c.subs for c in fake_kis.ws_clients))
    assert _sample("gslts_broker_ws_connected", broker="kis") == 1
    before = time.time()
    fake_kis.push_ticks("005930", [70000])
    assert wait_for(lambda: got)
    assert _sample("gslts_broker_ws_last_tick_timestamp_seconds", broker="kis") >= before


def test_kiwoom_rate_limit_answers_count_as_throttles_and_errors(make_kiwoom, fake_kiwoom):
    broker = make_kiwoom()
    broker.quote("005930")
    throttled = _sample("gslts_broker_throttles_total", broker="kiwoom", source="broker")
    errors = _sample("gslts_broker_errors_total", broker="kiwoom", code="1700")
    fake_kiwoom.rate_limit_next = 1  # one HTTP 429 [1700], then answers again
    broker.quote("005930")
    assert _sample("gslts_broker_throttles_total", broker="kiwoom", source="broker") == throttled + 1
    assert _sample("gslts_broker_errors_total", broker="kiwoom", code="1700") == errors + 1
    assert _sample("gslts_broker_requests_total", broker="kiwoom", status="4xx") >= 1
