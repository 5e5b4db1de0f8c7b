"""WSGI entry: ``gunicorn app.wsgi:server`` (full mode) or ``gslts run`` (embedded)."""

from __future__ import annotations

from app.server import create_app

dash_app = create_app(start_background=True)
server = dash_app.server
application = server
