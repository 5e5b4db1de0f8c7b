"""``/metrics``: every process's Prometheus metrics (trading/metrics.py) plus the recorder's health.

Who may read it: a request from 127.0.0.1 / ::1 (the socket peer, or the client ProxyFix found behind
``TRUSTED_PROXIES``), or one with ``Authorization: Bearer <METRICS_TOKEN>`` or a REST API token with the admin
scope. ``TOKEN_CHECKS`` is the hook for credentials: each check gets the bearer token and says yes or no.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the Procfile sets it for every process) the answer sums the files
of every process of the deployment on this host; without it, this process's own registry answers.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from trading import metrics
from trading.domain import KST
from trading.krx.sessions import Phase, phase_at
from workers.recorder.metrics import RecorderHealthCollector

LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
METRICS_SCOPE = "admin"  # the REST API scope whose tokens may read /metrics


def api_admin_token(token: str) -> bool:
    """A REST API token (``gslts_…``, app/api/) with the admin scope, whose user is still an admin."""
    from app.runtime import runtime
    from db.repositories.api_tokens import allowed_scopes, token_user

    user = token_user(runtime().engine, token)
    return user is not None and METRICS_SCOPE in user.scopes and METRICS_SCOPE in allowed_scopes(user.role)


# Ways to accept a bearer token on /metrics besides METRICS_TOKEN: callables token → bool (``accept_tokens``).
TOKEN_CHECKS: list[Callable[[str], bool]] = [api_admin_token]


def accept_tokens(check: Callable[[str], bool]) -> None:
    """Also let bearers that ``check`` accepts read /metrics (the hook for API tokens)."""
    TOKEN_CHECKS.append(check)


def allowed(settings: Any, remote_addr: str | None, authorization: str, forwarded: bool = False) -> bool:
    """True for a local caller, METRICS_TOKEN, or a token a ``TOKEN_CHECKS`` entry accepts. A request a
    local reverse proxy forwarded (``forwarded``: X-Forwarded-For / Forwarded still present) is not local."""
    if remote_addr in LOCAL_ADDRESSES and not forwarded:
        return True
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    token = token.strip()
    wanted = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if wanted and secrets.compare_digest(token.encode(), wanted.encode()):
        return True
    return any(check(token) for check in TOKEN_CHECKS)


SESSION_OPEN = "gslts_krx_session_open"


class KrxSessionCollector:
    """``gslts_krx_session_open``, computed at each scrape: 1 from the KRX open to the close by the app's
    calendar (exchange holidays, the year's 10:00 first open and CSAT days included), else 0. The alert
    rules' ``gslts:krx_session_open`` follows it, falling back to weekdays 09:00-15:30 KST without it."""

    def __init__(self, now: Callable[[], datetime] | None = None):
        self._now = now or (lambda: datetime.now(KST))

    def collect(self) -> Iterator[Metric]:
        is_open = phase_at(self._now()) in (Phase.CONTINUOUS, Phase.CLOSING_AUCTION)  # the open to the close
        yield GaugeMetricFamily(
            SESSION_OPEN,
            "1 while the KRX regular session is open by the app's calendar (holidays known), else 0",
            value=1.0 if is_open else 0.0,
        )


class _Exposition:
    """What a scrape collects: the deployment's metric files or this process's registry, and the recorder."""

    def __init__(self, settings: Any):
        self.recorder = RecorderHealthCollector(settings)
        self.session = KrxSessionCollector()
        self.shared: CollectorRegistry | None = None
        if metrics.multiprocess_dir():
            from prometheus_client import multiprocess

            self.shared = CollectorRegistry(auto_describe=False)
            multiprocess.MultiProcessCollector(self.shared)

    def collect(self) -> Iterator[Metric]:
        if self.shared is not None:
            metrics.reap_dead()
        yield from (self.shared or REGISTRY).collect()
        yield from self.recorder.collect()
        yield from self.session.collect()


def init_metrics(server: Flask, settings: Any) -> None:
    """Register ``GET /metrics`` on ``server`` and count every request it answers (by route and status)."""
    exposition = _Exposition(settings)

    @server.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()

    @server.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.HTTP_REQUESTS.labels(route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            metrics.HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
        return response

    @server.get("/metrics")
    def metrics_view():  # noqa: ANN202
        # without TRUSTED_PROXIES a forwarded request's peer is the proxy, not the client: not local
        forwarded = not settings.trusted_proxies and bool(
            request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
        )
        if not allowed(settings, request.remote_addr, request.headers.get("Authorization", ""), forwarded):
            return jsonify(error="metrics: send Authorization: Bearer <METRICS_TOKEN>"), 401
        return Response(generate_latest(exposition), mimetype=CONTENT_TYPE_LATEST)  # type: ignore[arg-type]
