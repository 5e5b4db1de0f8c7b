"""The /auto layout: the beginner's line, the bots table, the selected bot, the risk panel and the
create/edit form (pre-filled from a backtest run with ``?from_run=<id>``)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.auto import ids
from app.auto.detail import detail_card
from app.auto.form import form_card
from app.auto.risk import risk_card
from app.auto.table import bots_grid
from app.components.data import can_trade
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from services import bot_admin
from services.bot_admin import BotActionError

POLL_MS = 2000


def _from_run(run: str | None, lang: str) -> tuple[dict[str, Any] | None, str]:
    """The form config of backtest run ``run`` and a note saying so (or why it could not be loaded)."""
    if not run:
        return None, ""
    try:
        return bot_admin.config_from_run(runtime().engine, int(run)), t("auto.from_run", lang, run=run)
    except BotActionError as err:
        return None, err.ko if lang == "ko" else str(err)
    except ValueError:  # not a number
        return None, t("auto.from_run_bad", lang, run=run)


def layout(from_run: str | None = None, **_query: str) -> html.Div:
    """The page for the request's language (reads bots; writes nothing)."""
    lang = current_lang()
    cfg, note = _from_run(from_run, lang)
    read_only = dbc.Alert(t("auto.viewer", lang), color="secondary", className="py-1 small", id=ids.VIEWER)
    viewer = [] if can_trade() else [read_only]
    beginner = t("auto.beginner", lang, days=runtime().settings.bot_paper_days)
    bots = dbc.Card([dbc.CardHeader(t("auto.bots", lang)), dbc.CardBody(bots_grid(lang))])
    right = [risk_card(lang), form_card(cfg, lang, note)]
    return html.Div(
        [
            html.H1(t("auto.title", lang), className="h4"),
            html.P(beginner, id=ids.BEGINNER, className="small text-body-secondary"),
            *viewer,
            dcc.Store(id=ids.SELECTED),
            dcc.Interval(id=ids.POLL, interval=POLL_MS),
            bots,
            dbc.Row([dbc.Col(detail_card(lang), lg=7), dbc.Col(right, lg=5)], className="g-3"),
        ]
    )
