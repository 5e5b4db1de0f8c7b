"""The navbar: pages with real content, PAPER/LIVE badge, language and theme switches, logout."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import has_request_context
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.components.alert_bell import alert_bell
from app.components.kill_switch import kill_switch
from app.components.market_clock import market_clock
from app.components.search import search_box
from app.components.status_badge import status_badge
from app.guide import ids as guide_ids
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from trading.config import Settings

MODE_COLORS = {"paper": "success", "mock": "info", "blocked": "secondary", "live": "danger"}


def trading_mode(settings: Settings) -> str:
    """``paper`` (the simulated market), ``mock`` (a broker's 모의투자), ``blocked`` (a real account with
    LIVE_TRADING off: every order is refused) or ``live`` (real money)."""
    if settings.broker == "paper":
        return "paper"
    if settings.broker_env != "real":
        return "mock"
    return "live" if settings.live_trading else "blocked"


def mode_badge(badge_id: str = "mode-badge") -> dbc.Badge:
    """What orders of this deployment do, always visible: 모의(PAPER), 모의투자, 실전 차단 or a red 실전(LIVE)."""
    mode = trading_mode(runtime().settings)
    return dbc.Badge(
        t(f"mode.{mode}"),
        color=MODE_COLORS[mode],
        id=badge_id,
        title=t(f"mode.{mode}_tip"),
        className=f"ms-2 mode-{mode}",
    )


def nav_links() -> list[dbc.NavItem]:
    """One link per registered page that asks to be in the navbar (``nav_label`` set)."""
    items = []
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        label_key = page.get("nav_label")
        if not label_key:
            continue
        items.append(
            dbc.NavItem(
                dbc.NavLink(
                    t(label_key), href=page["path"], active="exact", id=f"nav-{page['module'].split('.')[-1]}"
                )
            )
        )
    return items


def help_menu() -> dbc.DropdownMenu:
    """도움말: restart the first-run tour, open the glossary."""
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(
                t("guide.restart"), id=guide_ids.button("restart"), className="guide-restart"
            ),
            dbc.DropdownMenuItem(t("guide.glossary"), href="/glossary", id=guide_ids.GLOSSARY_LINK),
        ],
        label=t("guide.help"),
        id=guide_ids.HELP_MENU,
        nav=True,
        in_navbar=True,
        align_end=True,
        className="ms-2",
    )


def navbar() -> dbc.Navbar:
    lang = current_lang()
    user = current_user.username if has_request_context() and current_user.is_authenticated else ""
    right = [
        html.A(
            "한국어",
            href="/lang/ko",
            id="lang-ko",
            className="nav-link px-1" + (" fw-bold" if lang == "ko" else ""),
        ),
        html.Span("·", className="text-body-secondary"),
        html.A(
            "English",
            href="/lang/en",
            id="lang-en",
            className="nav-link px-1" + (" fw-bold" if lang == "en" else ""),
        ),
        html.Button(
            "◐", id="theme-toggle", title=t("nav.theme"), className="btn btn-sm btn-outline-secondary ms-2"
        ),
    ]
    if user:
        right += [
            help_menu(),
            html.Span(user, className="ms-3 small text-body-secondary", id="nav-user"),
            html.A(t("tokens.nav"), href="/tokens", id="nav-tokens", className="ms-2 small"),
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="logout-csrf"),
                    html.Button(t("nav.logout"), type="submit", id="logout", className="btn btn-sm btn-link"),
                ],
                action="/logout",
                method="POST",
                className="d-inline ms-1",
            ),
        ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(["GSLTS", mode_badge()], href="/", className="fw-bold"),
                html.Div(search_box("nav"), className="me-2 my-1 flex-grow-1", style={"maxWidth": "18rem"}),
                dbc.NavbarToggler(id="nav-toggler"),
                dbc.Collapse(
                    [
                        dbc.Nav(nav_links(), navbar=True, className="me-auto"),
                        html.Div(
                            [market_clock(), status_badge(), alert_bell(), kill_switch(), *right],
                            className="d-flex align-items-center",
                        ),
                    ],
                    id="nav-collapse",
                    navbar=True,
                    is_open=False,
                ),
            ],
            fluid=True,
        ),
        className="border-bottom",
        sticky="top",
        expand="lg",
    )


@dash.callback(
    dash.Output("nav-collapse", "is_open"),
    dash.Input("nav-toggler", "n_clicks"),
    dash.State("nav-collapse", "is_open"),
    prevent_initial_call=True,
)
def _toggle_nav(n: int | None, is_open: bool) -> bool:
    return not is_open
