"""The process's Prometheus metrics: every metric object of GSLTS, defined once, here.

A plain library (prometheus-client), so ``trading/`` stays framework-free. With ``PROMETHEUS_MULTIPROC_DIR``
set before this module is first imported, every process of the deployment (gunicorn workers, the market,
the recorder, Celery worker and beat) writes its values to files in that directory and the web's
``/metrics`` (app/metrics.py) sums them; without it (embedded mode, tests) the values live in this process.

Counters and histograms are summed over processes. Gauges say how: ``max`` for timestamps (the freshest
wins; a dead process's older value is harmless), ``mostrecent`` for states that outlive their process (the
last write wins, whichever process made it: an account's risk state), ``livemostrecent`` for states of a
process (the broker websocket's connection), dropped when it ends (``mark_dead``, or ``reap_dead`` at a
scrape). An increment is a few microseconds: cheap enough for the order path and the market step.
"""

from __future__ import annotations

import contextlib
import os
import time

if _dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the shared directory must exist before any value
    os.makedirs(_dir, exist_ok=True)

from prometheus_client import Counter, Gauge, Histogram  # noqa: E402

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TASK_BUCKETS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
RISK_STATE_VALUE = {"active": 0, "reducing": 1, "halted": 2}

# --- the web (app/metrics.py) -------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "gslts_http_requests", "Web requests answered, by route and status", ["route", "status"]
)
HTTP_SECONDS = Histogram(
    "gslts_http_request_seconds", "Web request time, by route", ["route"], buckets=LATENCY_BUCKETS
)

# --- the order gateway (trading/orders/gateway.py) ----------------------------------------------------
ORDERS = Counter(
    "gslts_orders",
    "Orders, modifies and cancels through the gateway, by outcome",
    ["broker", "action", "result"],
)
GATEWAY_SECONDS = Histogram(
    "gslts_order_gateway_seconds",
    "Time in the gateway per command, checks to outcome",
    ["broker", "action"],
    buckets=LATENCY_BUCKETS,
)
DENIALS = Counter("gslts_order_denials", "Commands the gateway refused, by typed reason", ["reason"])
RISK_STATE = Gauge(
    "gslts_account_risk_state",
    "The account's risk state: 0 active, 1 reducing, 2 halted",
    ["account"],
    multiprocess_mode="mostrecent",
)
KILLS = Counter("gslts_kill_switch", "Kill switch activations", ["account"])

# --- broker adapters (trading/brokers/common/, kis/, kiwoom/) ---------------------------------------
BROKER_REQUESTS = Counter(
    "gslts_broker_requests", "REST requests to the broker, by HTTP class", ["broker", "status"]
)
BROKER_SECONDS = Histogram(
    "gslts_broker_request_seconds", "REST request time", ["broker"], buckets=LATENCY_BUCKETS
)
BROKER_THROTTLES = Counter(
    "gslts_broker_throttles",
    "Calls held back by the rate limiter (local) or refused as over the limit (broker)",
    ["broker", "source"],
)
BROKER_ERRORS = Counter(
    "gslts_broker_errors", "Broker error answers, by the broker's code", ["broker", "code"]
)
WS_LAST_TICK = Gauge(
    "gslts_broker_ws_last_tick_timestamp_seconds",
    "Unix time of the last market event the broker websocket delivered",
    ["broker"],
    multiprocess_mode="max",
)
WS_CONNECTED = Gauge(
    "gslts_broker_ws_connected",
    "1 while the broker websocket is connected",
    ["broker"],
    multiprocess_mode="livemostrecent",  # a dead owner's "connected" goes with it (see ``reap_dead``)
)
WS_RECONNECTS = Counter("gslts_broker_ws_sessions_ended", "Broker websocket sessions that ended", ["broker"])
TOKEN_EXPIRY = Gauge(
    "gslts_broker_token_expiry_timestamp_seconds",
    "Unix time the broker access token in use expires",
    ["broker"],
    multiprocess_mode="max",
)

# --- the paper market (trading/market/service.py) ---------------------------------------------------
MARKET_LAST_TICK = Gauge(
    "gslts_market_last_tick_timestamp_seconds",
    "Unix time of the paper market's last step with ticks",
    multiprocess_mode="max",
)

# --- the recorder (workers/recorder/) ----------------------------------------------------------------
TICKS_WRITTEN = Counter("gslts_recorder_ticks_written", "Tick rows the recorder committed")
RECORDER_BATCHES = Counter("gslts_recorder_batches_written", "Batches the recorder committed")

# --- Celery (workers/celery_metrics.py) --------------------------------------------------------------
CELERY_TASKS = Counter("gslts_celery_tasks", "Celery tasks finished, by state", ["task", "state"])
CELERY_SENT = Counter("gslts_celery_tasks_sent", "Celery tasks published (beat, pages)", ["task"])
CELERY_SECONDS = Histogram(
    "gslts_celery_task_seconds", "Celery task run time", ["task"], buckets=TASK_BUCKETS
)
CELERY_HEARTBEAT = Gauge(
    "gslts_celery_heartbeat_timestamp_seconds",
    "Unix time a Celery worker or beat last said it is alive",
    ["role"],
    multiprocess_mode="max",
)

# --- bots (trading/bots/runner.py) -------------------------------------------------------------------
BOT_EVALUATIONS = Counter("gslts_bot_evaluations", "Bot evaluations (one per bot and bar)", ["timeframe"])
BOT_EVAL_SECONDS = Histogram(
    "gslts_bot_evaluation_seconds",
    "CPU time of one bot's evaluation",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0),
)


# --- alerts (services/alerts/dispatcher.py) -----------------------------------------------------------
ALERT_SENDS = Counter(
    "gslts_alert_sends",
    "Messages sent to webhooks and Telegram, by channel and result",
    ["channel", "result"],
)
ALERT_EVENTS_SENT = Counter(
    "gslts_alert_events_sent", "Events those messages carried (a digest carries many)", ["channel"]
)
ALERT_DELIVERY_SECONDS = Histogram(
    "gslts_alert_delivery_seconds",
    "Delivery queued (fan-out) → accepted by the webhook or Telegram, retries and pacing included",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 3600.0),
)


def alert_sent(channel: str, ok: bool, events: int, ages_s: list[float]) -> None:
    """One message went out (``ok``: the destination accepted it) carrying ``events`` events of these ages."""
    ALERT_SENDS.labels(channel, "ok" if ok else "error").inc()
    if ok:
        ALERT_EVENTS_SENT.labels(channel).inc(events)
        for age in ages_s:
            ALERT_DELIVERY_SECONDS.labels(channel).observe(max(0.0, age))


def order_outcome(broker: str, action: str, result: str, seconds: float) -> None:
    """One gateway command finished: count it and observe its latency."""
    ORDERS.labels(broker, action, result).inc()
    GATEWAY_SECONDS.labels(broker, action).observe(seconds)


def risk_state(account: str, state: str) -> None:
    """The account is now in ``state`` (active | reducing | halted)."""
    RISK_STATE.labels(account).set(RISK_STATE_VALUE.get(state, -1))


def broker_response(broker: str, status: int | None, seconds: float) -> None:
    """A REST answer (``status`` None: the transport failed)."""
    BROKER_REQUESTS.labels(broker, f"{status // 100}xx" if status else "transport").inc()
    BROKER_SECONDS.labels(broker).observe(seconds)


def feed_event(broker: str) -> None:
    """The broker websocket delivered a market event now."""
    WS_LAST_TICK.labels(broker).set(time.time())


def multiprocess_dir() -> str | None:
    """The shared metrics directory of this deployment, or None (this process keeps its own)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def reap_dead(path: str | None = None) -> list[int]:
    """Drop the live gauges of processes that ended without ``mark_dead`` (killed, crashed); each scrape calls
    it. The pids are this host's: the directory is one host's. Returns the pids reaped."""
    path = path or multiprocess_dir()
    if not path:
        return []
    from prometheus_client import multiprocess

    dead: set[int] = set()
    for name in os.listdir(path):
        pid = name[: -len(".db")].rsplit("_", 1)[-1]
        if name.startswith("gauge_live") and name.endswith(".db") and pid.isdigit() and not _alive(int(pid)):
            dead.add(int(pid))
    for pid in dead:
        with contextlib.suppress(FileNotFoundError):  # another worker's scrape reaped it first
            multiprocess.mark_process_dead(pid, path)
    return sorted(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def mark_dead(pid: int | None = None) -> None:
    """A process ended: drop its live gauges from the shared directory (its counters stay, summed)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
