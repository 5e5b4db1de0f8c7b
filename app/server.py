"""The app factory: Flask server (login, health, language) + the Dash Pages app."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import dash
from flask import Flask, jsonify, make_response, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.api import init_api
from app.auth import _safe_next, csrf, init_auth
from app.i18n import LANGS
from app.metrics import init_metrics
from app.runtime import init_runtime
from app.stream import init_stream
from db.engine import reachable
from services.container import Container
from services.secret import deployment_secret
from trading.config import PROJECT_ROOT, Settings, get_settings

ASSETS = PROJECT_ROOT / "assets"
PAGES = Path(__file__).resolve().parent / "pages"
HOME_PATH = "/ranking"  # the home page after login


def create_server(rt: Container) -> Flask:
    server = Flask("gslts")
    server.config.update(
        SECRET_KEY=deployment_secret(rt.settings).decode(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead
        WTF_CSRF_HEADERS=["X-CSRFToken"],
    )
    if rt.settings.trusted_proxies:
        n = rt.settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    init_auth(server)

    @server.before_request
    def _home():  # noqa: ANN202
        if request.path == "/":
            return redirect(HOME_PATH)
        return None

    @server.get("/health")
    def health():  # noqa: ANN202
        db_ok = reachable(rt.engine)
        body = {
            "status": "ok" if db_ok else "degraded",
            "database": "ok" if db_ok else "unreachable",
            "mode": "embedded" if rt.settings.embedded else "full",
            "broker": rt.settings.broker,
        }
        if rt.settings.broker != "paper":
            body["broker_feed"] = _feed_health(rt)
        return jsonify(body), 200 if db_ok else 503

    @server.post("/api/v1/rpc")
    def rpc():  # noqa: ANN202
        """The owner's local endpoint for the CLI (embedded mode); bearer token from data/api_token."""
        from services.embedded import api_token
        from trading.brokers.rpc import expired_ms, parse_envelope

        if rt.owner is None:
            return jsonify(error="this process does not own the accounts"), 404
        sent = request.headers.get("Authorization", "")
        if not secrets.compare_digest(sent, f"Bearer {api_token(rt.settings)}"):
            return jsonify(error="bad token"), 401
        env = parse_envelope(request.get_data())
        if isinstance(env, str):
            return jsonify(error=f"malformed request: {env}"), 400
        if expired_ms(env) > 0:  # the caller gave up: never run it
            return jsonify(error="past its deadline"), 408
        return jsonify(rt.owner.endpoint().handle(env))

    csrf.exempt(rpc)  # token-authenticated, not a browser session

    init_stream(server, rt)  # /api/v1/stream/<code>: the trade page's live quote (login required)
    init_api(server)  # the public REST API: /api/v1/openapi.json, /api/v1/docs, the resources (app/api/)

    init_metrics(server, rt.settings)  # /metrics: token or localhost (app/metrics.py)

    @server.get("/lang/<code>")
    def set_lang(code: str):  # noqa: ANN202
        resp = make_response(redirect(_safe_next(request.args.get("next"))))
        if code in LANGS:
            resp.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
        return resp

    return server


def _feed_health(rt: Container) -> dict:
    """The broker feed's state (services/broker_feed.py): live, stale (its websocket is down; it
    reconnects by itself) or down (no status: the owning process is not running)."""
    try:
        status = getattr(rt.market_data(), "feed_status", lambda: None)()
    except Exception as err:  # noqa: BLE001 - e.g. Redis down
        return {"state": "unknown", "error": f"{type(err).__name__}: {err}"}
    if not status or time.time() - float(status.get("at", 0)) > 10:
        return {"state": "down"}
    state = "live" if status.get("connected") or not status.get("ws") else "stale"
    keys = ("connected", "reconnects", "ranking_age_s", "last_error", "ws_error")
    return {"state": state, **{k: status.get(k) for k in keys}, "websocket_codes": len(status.get("ws", ()))}


def attach_backtest_jobs(rt: Container) -> None:
    """Give the pages their backtest job service and fail the runs a stopped embedded app left active
    (this process runs embedded backtests, so none of them can still be alive)."""
    from workers.backtest_runner import BacktestRunner

    runner = BacktestRunner(rt.engine, rt.settings)
    runner.recover_interrupted()
    rt.backtest_jobs = runner


def create_app(settings: Settings | None = None, start_background: bool = False) -> dash.Dash:
    """Build the whole web app for ``settings`` (the runtime is initialised here).

    In embedded mode this process owns the paper market or the broker account (taken on first use).
    ``start_background`` (``gslts run``) takes ownership at once and starts the in-process job scheduler.
    Backtest runs a stopped app left active are failed here, once, before any page is served.
    """
    from app.shell import build_dash

    settings = settings or get_settings()
    rt = init_runtime(settings, kind="web")
    attach_backtest_jobs(rt)
    server = create_server(rt)
    app = build_dash(server, rt)
    if start_background and settings.embedded:
        from workers.embedded import EmbeddedScheduler
        from workers.history_jobs import set_market_reader

        rt.become_owner()
        set_market_reader(rt.reader)  # the eod-bars jobs read this process's market / adapter
        scheduler = EmbeddedScheduler(rt.engine, settings)
        scheduler.start()
        rt.scheduler = scheduler
        if settings.broker != "paper":  # the alerts-health job reads this process's broker feed
            from workers.alert_jobs import set_feed_status

            set_feed_status(lambda: getattr(rt.market_data(), "feed_status", lambda: None)())
        if settings.alerts_dispatcher:  # embedded: alerts go out from here (full mode: gslts alerts run)
            from services.alerts.dispatcher import Dispatcher

            rt.alerts_dispatcher = Dispatcher(rt.engine, settings).start()
    return app
