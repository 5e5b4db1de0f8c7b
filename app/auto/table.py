"""The bots table of /auto: one row per bot with its mode, status, today's P&L, positions, open orders,
the feed's health and the last bar it evaluated; clicking a row selects the bot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_ag_grid as dag
from dash import Input, Output, callback, no_update

from app.auto import ids
from app.auto.session import today, username
from app.components.grid import grid_options
from app.components.style import grid_direction_rules
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.repositories.bots import OPEN_ORDER_STATES
from services import bot_admin
from services.bot_admin import BotView
from trading.krx.fmt import signed
from trading.timeconv import now_naive_kst

GREEN_BELOW_S = 5.0


def feed_age(view: BotView, now: datetime) -> float | None:
    """Seconds since the bot's last tick, growing while the runner's heartbeat is late; None when the
    runner does not watch it."""
    bot = view.bot
    if bot.status not in ("running", "paused") or bot.feed_age_s is None or bot.heartbeat_at is None:
        return None
    return max(0.0, float(bot.feed_age_s) + max(0.0, (now - bot.heartbeat_at).total_seconds()))


ACTIONS = ("start", "pause", "stop")  # the reason a user's own status change is stored with


def status_text(status: str, reason: str, lang: str) -> str:
    """The status in the UI language, with its reason unless the user just pressed the button."""
    text = t(f"auto.status.{status}", lang)
    return f"{text} ({reason})" if reason and reason not in ACTIONS else text


def bot_row(view: BotView, lang: str, now: datetime) -> dict[str, Any]:
    """One table row."""
    bot = view.bot
    age = feed_age(view, now)
    alert = float(((bot.config.get("stale") or {}).get("alert_after_s")) or 15.0)
    return {
        "id": str(bot.id),
        "name": bot.name,
        "strategy": bot.strategy,
        "timeframe": t(f"auto.tf.{bot.timeframe}", lang) if bot.timeframe else "",
        "mode": t(f"auto.mode.{bot.mode}", lang),
        "status": bot.status,
        "status_text": status_text(bot.status, bot.status_reason, lang),
        "pnl_today": view.pnl_today,
        "pnl_text": signed(view.pnl_today),
        "positions": len(view.positions),
        "open_orders": sum(1 for o in view.orders if o.state in OPEN_ORDER_STATES),
        "feed_age": age,
        "feed_text": "-" if age is None else t("auto.feed_age", lang, s=age),
        "stale_alert": alert,
        "last_bar": bot.last_bar_at.strftime("%m-%d %H:%M") if bot.last_bar_at else "-",
    }


def bot_rows(lang: str) -> list[dict[str, Any]]:
    """Every bot the user may see, as table rows."""
    rt, user, day, now = runtime(), username(), today(), now_naive_kst()
    return [
        bot_row(bot_admin.view(rt.engine, user, b.id, day, log_limit=1), lang, now)
        for b in bot_admin.list_for(rt.engine, user)
    ]


def _columns(lang: str) -> list[dict[str, Any]]:
    num = {"type": "rightAligned", "cellClass": "num"}
    status_rules = {"text-danger fw-semibold": "params.data.status == 'halted'",
                    "text-success": "params.data.status == 'running'"}  # fmt: skip
    feed_rules = {
        "text-success": f"params.data.feed_age != null && params.data.feed_age < {GREEN_BELOW_S}",
        "text-warning": f"params.data.feed_age >= {GREEN_BELOW_S} && params.data.feed_age < params.data.stale_alert",
        "text-danger": "params.data.feed_age != null && params.data.feed_age >= params.data.stale_alert",
    }
    return [
        {"field": "id", "headerName": "#", "width": 60, **num},
        {"field": "name", "headerName": t("auto.col.name", lang), "minWidth": 140, "flex": 2},
        {"field": "strategy", "headerName": t("auto.col.strategy", lang), "width": 110},
        {"field": "timeframe", "headerName": t("auto.col.timeframe", lang), "width": 80},
        {"field": "mode", "headerName": t("auto.col.mode", lang), "width": 110},
        {"field": "status_text", "headerName": t("auto.col.status", lang), "minWidth": 140, "flex": 2,
         "cellClassRules": status_rules, "tooltipField": "status_text"},
        {"field": "pnl_text", "headerName": t("auto.col.pnl_today", lang), "width": 120,
         "cellClassRules": grid_direction_rules("params.data.pnl_today"), **num},
        {"field": "positions", "headerName": t("auto.col.positions", lang), "width": 80, **num},
        {"field": "open_orders", "headerName": t("auto.col.open_orders", lang), "width": 90, **num},
        {"field": "feed_text", "headerName": t("auto.col.feed", lang), "width": 100, "cellClassRules": feed_rules},
        {"field": "last_bar", "headerName": t("auto.col.last_bar", lang), "width": 130},
    ]  # fmt: skip


def bots_grid(lang: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.BOTS,
        rowData=bot_rows(lang),
        columnDefs=_columns(lang),
        getRowId="params.data.id",
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=grid_options(
            animateRows=False,
            rowSelection={"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            localeText={"noRowsToShow": t("auto.no_bots", lang)},
        ),
        style={"height": "220px"},
        className="ag-theme-alpine",
    )


@callback(
    Output(ids.BOTS, "rowData"),
    Input(ids.POLL, "n_intervals"),
    Input(ids.MESSAGE, "children"),
    Input(ids.SELECTED, "data"),
)
def _refresh(_tick: int | None, _message: Any, _selected: int | None) -> list[dict[str, Any]]:
    return bot_rows(current_lang())


@callback(
    Output(ids.SELECTED, "data"),
    Input(ids.BOTS, "cellClicked"),
    prevent_initial_call=True,
)
def _select(cell: dict | None) -> Any:
    """A click on a row selects its bot (a click, not the grid's selection, which a refresh may reset)."""
    if not cell or cell.get("rowId") is None:
        return no_update
    return int(cell["rowId"])
