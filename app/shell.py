"""The Dash Pages app: navbar + page container, served locally (no CDN)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Flask

from app.components.navbar import navbar
from app.runtime import Runtime
from trading.config import PROJECT_ROOT

PAGES_DIR = PROJECT_ROOT / "app" / "pages"


def serve_layout() -> html.Div:
    """Built per request, so the language cookie and the login state apply."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            navbar(),
            dbc.Container(dash.page_container, fluid=True, className="py-3", id="page-body"),
        ]
    )


def build_dash(server: Flask, rt: Runtime) -> dash.Dash:
    app = dash.Dash(
        "gslts",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(PROJECT_ROOT / "assets"),
        serve_locally=True,
        title="GSLTS",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = serve_layout
    return app
