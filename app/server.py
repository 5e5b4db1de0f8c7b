"""The app factory: Flask server (login, health, language) + the Dash Pages app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dash
from flask import Flask, jsonify, make_response, redirect, request
from sqlalchemy import text

from app.auth import _safe_next, init_auth
from app.i18n import LANGS
from app.runtime import Runtime, init_runtime
from trading.config import PROJECT_ROOT, Settings

ASSETS = PROJECT_ROOT / "assets"
PAGES = Path(__file__).resolve().parent / "pages"
HOME_PATH = "/stocks"  # the home page after login


def _secret_key(settings: Settings) -> str:
    """SECRET_KEY from the environment, else a random key kept in data/secret_key (0600)."""
    if settings.secret_key:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_server(rt: Runtime) -> Flask:
    server = Flask("gslts")
    server.config.update(
        SECRET_KEY=_secret_key(rt.settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead
        WTF_CSRF_HEADERS=["X-CSRFToken"],
    )
    init_auth(server)

    @server.before_request
    def _home():  # noqa: ANN202
        if request.path == "/":
            return redirect(HOME_PATH)
        return None

    @server.get("/health")
    def health():  # noqa: ANN202
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            db_ok = True
        except Exception:  # noqa: BLE001
            db_ok = False
        body = {
            "status": "ok" if db_ok else "degraded",
            "database": "ok" if db_ok else "unreachable",
            "mode": "embedded" if rt.settings.embedded else "full",
            "broker": rt.settings.broker,
        }
        return jsonify(body), 200 if db_ok else 503

    @server.get("/lang/<code>")
    def set_lang(code: str):  # noqa: ANN202
        resp = make_response(redirect(_safe_next(request.args.get("next"))))
        if code in LANGS:
            resp.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
        return resp

    return server


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the whole web app for ``settings`` (the runtime is initialised here)."""
    rt = init_runtime(settings)
    server = create_server(rt)
    from app.shell import build_dash

    return build_dash(server, rt)
