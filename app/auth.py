"""Login: flask-login sessions, CSRF protection, throttled attempts, the login form."""

from __future__ import annotations

import time
from html import escape
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, redirect, render_template_string, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from app.login_throttle import LoginThrottle
from app.runtime import runtime
from app.text import t
from db.repositories import users as users_repo
from trading.orders.context import Role

PUBLIC_PREFIXES = (
    "/login",
    "/health",
    "/metrics",
    "/api/v1/",
    "/assets/",
    "/lang/",
    "/_favicon.ico",
    "/favicon.ico",
)
CSRF_COOKIE = "gslts_csrf"

csrf = CSRFProtect()
login_manager = LoginManager()


class SessionUser(UserMixin):
    """The logged-in user of one login session. ``id`` is the session's cookie token (flask-login keeps
    it in the signed session cookie); the table holds only its hash (db/repositories/users.py)."""

    def __init__(self, token: str, user_id: int, username: str, role: Role):
        self.id = token
        self.user_id = user_id
        self.username = username
        self.role = role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_trade(self) -> bool:
        return self.role.can_trade


# Every Dash callback is a request: a live session is cached this long per process. Logout evicts it
# here at once; another web worker notices the revocation within this time.
USER_CACHE_S = 1.0
_user_cache: dict[tuple[str, str], tuple[float, SessionUser | None]] = {}


@login_manager.user_loader
def _load_user(token: str) -> SessionUser | None:
    """The session's user, if the session is live and the user enabled."""
    engine, now = runtime().engine, time.monotonic()
    key = (str(engine.url), token)
    hit = _user_cache.get(key)
    if hit is not None and now - hit[0] < USER_CACHE_S:
        return hit[1]
    info = users_repo.session_user(engine, token)
    user = SessionUser(token, info.id, info.username, info.role) if info else None
    _user_cache[key] = (now, user)
    return user


def forget_session(token: str) -> None:
    for key in [k for k in _user_cache if k[1] == token]:
        _user_cache.pop(key, None)


LOGIN_HTML = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GSLTS · {{ title }}</title>
<link rel="stylesheet" href="/assets/00-bootstrap.min.css"><link rel="stylesheet" href="/assets/gslts.css">
<script src="/assets/theme.js"></script></head>
<body class="d-flex align-items-center min-vh-100 bg-body-tertiary">
<main class="container" style="max-width:380px">
  <h1 class="h4 mb-1">GSLTS</h1><p class="text-body-secondary small mb-4">{{ app_title }}</p>
  {% if error %}<div id="login-error" class="alert alert-danger py-2" role="alert">{{ error }}</div>{% endif %}
  <form method="post" action="/login" id="login-form">
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <input type="hidden" name="next" value="{{ next }}">
    <div class="mb-3"><label class="form-label" for="username">{{ l_user }}</label>
      <input class="form-control" id="username" name="username" autocomplete="username" required autofocus></div>
    <div class="mb-3"><label class="form-label" for="password">{{ l_pw }}</label>
      <input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required></div>
    <button class="btn btn-primary w-100" id="login-submit" type="submit">{{ submit }}</button>
  </form>
  <p class="mt-3 small"><a href="/lang/ko?next=/login">한국어</a> · <a href="/lang/en?next=/login">English</a></p>
</main></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(error: str | None = None, status: int = 200) -> Response:
    html = render_template_string(
        LOGIN_HTML,
        lang=request.cookies.get("lang", "ko"),
        title=t("login.title"),
        app_title=t("app.title"),
        error=error,
        csrf=generate_csrf(),
        next=escape(_safe_next(request.values.get("next"))),
        l_user=t("login.username"),
        l_pw=t("login.password"),
        submit=t("login.submit"),
    )
    return Response(html, status=status, mimetype="text/html")


def init_auth(server: Flask) -> None:
    """Install login, CSRF, the login/logout routes and the login requirement on every other path."""
    login_manager.init_app(server)
    settings = runtime().settings
    throttle = LoginThrottle(
        settings.redis_url,
        max_failures=settings.login_max_failures,
        max_per_address=settings.login_max_per_address,
        lock_s=settings.login_lock_s,
    )
    server.extensions["gslts_login_throttle"] = throttle

    @server.before_request
    def _require_login():  # noqa: ANN202
        path = request.path
        if path.startswith(PUBLIC_PREFIXES) or current_user.is_authenticated:
            return None
        if path.startswith("/_dash-") or path.startswith("/_reload-hash"):
            return jsonify(error="login required"), 401
        return redirect(url_for("login", next=request.full_path.rstrip("?")))

    csrf.init_app(server)  # after the login check, so anonymous calls get 401 rather than 400

    @server.after_request
    def _security_headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated and resp.mimetype == "text/html":
            # Readable by assets/csrf.js, which sends it as X-CSRFToken on Dash POSTs.
            resp.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Lax", httponly=False)
        return resp

    @server.route("/login", methods=["GET", "POST"])
    def login():  # noqa: ANN202
        if request.method == "GET":
            return _login_page()
        # The peer address; behind a configured reverse proxy (TRUSTED_PROXIES) ProxyFix has already
        # replaced it with the client's from X-Forwarded-For, and only then.
        address = request.remote_addr or "?"
        username = (request.form.get("username") or "").strip()
        wait = throttle.admit(username, address)
        if wait:
            return _login_page(t("login.locked", minutes=max(1, -(-wait // 60))), 429)
        user = users_repo.verify(runtime().engine, username, request.form.get("password") or "")
        if user is None:
            users_repo.audit(runtime().engine, username or None, "login.failed", {"ip": address})
            return _login_page(t("login.failed"), 401)
        throttle.succeeded(username, address)
        token = users_repo.start_session(runtime().engine, user.id, address)
        login_user(SessionUser(token, user.id, user.username, user.role))
        users_repo.audit(runtime().engine, user.username, "login", {"ip": address})
        return redirect(_safe_next(request.form.get("next")))

    @server.route("/logout", methods=["POST"])
    def logout():  # noqa: ANN202
        if current_user.is_authenticated:
            users_repo.end_session(runtime().engine, current_user.id)
            forget_session(current_user.id)
        logout_user()
        resp = redirect("/login")
        resp.delete_cookie(CSRF_COOKIE)
        return resp
