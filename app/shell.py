"""The Dash Pages app: navbar + page container, served locally (no CDN)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Flask

from app.components.navbar import navbar
from app.guide import callbacks as _guide_callbacks  # noqa: F401 - the tour's callbacks
from app.guide.card import guide_shell
from services.container import Container
from trading.config import PROJECT_ROOT

PAGES_DIR = PROJECT_ROOT / "app" / "pages"


def serve_layout() -> html.Div:
    """Built per request, so the language cookie and the login state apply."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            navbar(),
            dbc.Container(dash.page_container, fluid=True, className="py-3", id="page-body"),
            *guide_shell(),
        ]
    )


# Packages whose modules hold ``@callback``s but are imported once per process (not page modules).
SHARED_CALLBACK_PACKAGES = ("app.components.", "app.trade.", "app.backtest.", "app.auto.", "app.guide.")
_component_callbacks: dict[str, tuple[dict, dict]] = {}


def _share_component_callbacks() -> None:
    """Give every app built in this process the callbacks of SHARED_CALLBACK_PACKAGES.

    Dash moves ``@callback`` registrations into the first app that starts; pages are re-imported for each
    app, but other modules are imported once, so a second app would lose their callbacks.
    """
    from dash import _callback

    for spec in _callback.GLOBAL_CALLBACK_LIST:
        entry = _callback.GLOBAL_CALLBACK_MAP.get(spec["output"])
        if entry and getattr(entry.get("callback"), "__module__", "").startswith(SHARED_CALLBACK_PACKAGES):
            _component_callbacks[spec["output"]] = (spec, entry)
    for key, (spec, entry) in _component_callbacks.items():
        if key not in _callback.GLOBAL_CALLBACK_MAP:
            _callback.GLOBAL_CALLBACK_MAP[key] = entry
            _callback.GLOBAL_CALLBACK_LIST.append(spec)


def build_dash(server: Flask, rt: Container) -> dash.Dash:
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
    _share_component_callbacks()
    return app
