"""The login-throttle line of /admin/status: where attempts are counted (Redis, or this process)."""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import html
from flask import current_app, has_request_context


def login_protection() -> html.Div:
    """Where the login throttle counts attempts: shared in Redis, or this process only (Redis down)."""
    throttle = current_app.extensions.get("gslts_login_throttle") if has_request_context() else None
    if throttle is None:
        return html.Div()
    st = throttle.status()
    if st.backend == "redis":
        text, color = "Redis 공유 (shared in Redis)", "success"
    elif st.degraded_since is None:
        text, color = "이 프로세스 (in-process; embedded mode)", "secondary"
    else:
        since = datetime.fromtimestamp(st.degraded_since).strftime("%H:%M:%S")
        text, color = f"Redis 연결 안 됨 — 이 프로세스에서만 제한 중 (Redis down since {since})", "warning"
    return html.Div(
        [
            html.H3("로그인 보호 (login throttle)", className="h6"),
            dbc.Badge(text, color=color, id="status-login"),
        ],
        className="mt-3",
    )
