"""Who calls the API: a bearer token (``Authorization: Bearer gslts_…``) acting as its user, limited by
its scopes and the user's current role. Lookups are cached 1 s per process (like login sessions), so a
revocation takes effect within a second everywhere."""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app, request

from app.api.problems import ApiProblem
from app.api.ratelimit import RateLimiter
from app.runtime import runtime
from db.repositories import api_tokens as tokens_repo
from db.repositories.api_tokens import TokenUser, allowed_scopes

CACHE_S = 1.0
TOUCH_EVERY_S = 60.0
_cache: dict[tuple[str, str], tuple[float, TokenUser | None]] = {}
_touched: dict[int, float] = {}
_lock = threading.Lock()


def _lookup(secret: str) -> TokenUser | None:
    engine, now = runtime().engine, time.monotonic()
    key = (str(engine.url), tokens_repo.digest(secret))
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_S:
        return hit[1]
    user = tokens_repo.token_user(engine, secret)
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (now, user)
    if user is not None and now - _touched.get(user.token_id, -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
        _touched[user.token_id] = now
        tokens_repo.touch_token(engine, user.token_id)
    return user


def forget_tokens() -> None:
    """Drop the cache (a revoke in this process takes effect at once)."""
    with _lock:
        _cache.clear()


def limiter(app: Flask | None = None) -> RateLimiter:
    app = app or current_app
    found = app.extensions.get("gslts_api_limiter")
    if found is None:
        s = runtime().settings
        found = app.extensions["gslts_api_limiter"] = RateLimiter(s.api_rate_per_minute, s.redis_url)
    return found


def authenticate(scope: str) -> tuple[TokenUser, dict[str, str]]:
    """The caller, checked for ``scope``, and the rate-limit headers; ``ApiProblem`` otherwise."""
    header = request.headers.get("Authorization", "")
    kind, _, secret = header.partition(" ")
    user = _lookup(secret.strip()) if kind.lower() == "bearer" and secret.strip() else None
    if user is None:
        problem = ApiProblem("UNAUTHENTICATED")
        problem.headers["WWW-Authenticate"] = 'Bearer realm="gslts"'
        raise problem
    allowance = limiter().hit(f"t{user.token_id}")
    headers = {
        "RateLimit-Limit": str(allowance.limit),
        "RateLimit-Remaining": str(allowance.remaining),
        "RateLimit-Reset": str(allowance.reset_s),
    }
    if not allowance.allowed:
        problem = ApiProblem("RATE_LIMITED", f"more than {allowance.limit} requests in a minute")
        problem.headers.update(headers | {"Retry-After": str(allowance.reset_s)})
        raise problem
    if scope not in user.scopes or scope not in allowed_scopes(user.role):
        problem = ApiProblem(
            "INSUFFICIENT_SCOPE",
            f"this call needs the {scope!r} scope (token: {', '.join(user.scopes)}; role: {user.role.value})",
            f"이 요청에는 '{scope}' 권한이 필요합니다",
        )
        problem.headers.update(headers)
        raise problem
    return user, headers
