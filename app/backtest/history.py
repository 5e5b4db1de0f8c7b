"""Past runs: the table, showing one run or comparing several, deleting."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html, no_update

from app.backtest import ids
from app.backtest.compare import render_comparison
from app.backtest.jobs import backtest_jobs
from app.components.grid import grid_options
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.repositories import backtests as runs_repo

HISTORY_LIMIT = 50


def history_rows(lang: str) -> list[dict[str, Any]]:
    """The past-runs table rows, newest first."""
    rows = []
    for r in runs_repo.list_runs(runtime().engine, limit=HISTORY_LIMIT):
        stats = r.stats or {}
        rows.append(
            {
                "id": str(r.id),
                "created": r.created_at.strftime("%Y-%m-%d %H:%M"),
                "name": r.name or r.strategy,
                "status": t(f"backtest.status.{r.status}", lang),
                "total_return": stats.get("total_return_pct"),
                "mdd": stats.get("max_drawdown_pct"),
                "trades": stats.get("trades"),
            }
        )
    return rows


def _columns() -> list[dict[str, Any]]:
    num = {"type": "rightAligned", "cellClass": "num"}
    updown = {"text-up": "params.value > 0", "text-down": "params.value < 0"}
    pct = {"cellClassRules": updown, "valueFormatter": {"function": "GSLTS.pct(params.value)"}, **num}
    return [
        {"field": "id", "headerName": t("backtest.col.id"), "width": 80, "sort": "desc", **num},
        {"field": "created", "headerName": t("backtest.col.created"), "width": 140},
        {"field": "name", "headerName": t("backtest.col.name"), "flex": 2, "minWidth": 200},
        {"field": "status", "headerName": t("backtest.col.status"), "width": 90},
        {"field": "total_return", "headerName": t("backtest.col.total_return"), "width": 100, **pct},
        {"field": "mdd", "headerName": t("backtest.col.mdd"), "width": 100, **pct},
        {"field": "trades", "headerName": t("backtest.col.trades"), "width": 80, **num},
    ]


def history_panel(lang: str) -> dbc.Card:
    """The past-runs card: the table (multi-select), delete, and the comparison area."""
    header = html.Div(
        [
            html.Span(t("backtest.history"), className="me-2"),
            html.Span(t("backtest.history_hint"), className="small text-body-secondary me-auto"),
            dbc.Button(t("backtest.delete"), id=ids.DELETE, size="sm", color="secondary", outline=True),
        ],
        className="d-flex align-items-center flex-wrap gap-2",
    )
    selection = {
        "mode": "multiRow",
        "checkboxes": True,
        "headerCheckbox": False,
        "enableClickSelection": True,
    }
    table = dag.AgGrid(
        id=ids.RUNS,
        rowData=history_rows(lang),
        columnDefs=_columns(),
        getRowId="params.data.id",
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=grid_options(animateRows=False, rowSelection=selection),
        selectedRows=[],
        style={"height": "300px"},
        className="ag-theme-alpine",
    )
    body = dbc.CardBody(
        [
            html.Div(id=ids.DELETE_MSG, className="small text-body-secondary"),
            table,
            html.Div(id=ids.COMPARE, className="mt-3"),
        ]
    )
    return dbc.Card([dbc.CardHeader(header), body], className="mt-3")


@callback(
    output={
        "run_id": Output(ids.RUN_ID, "data", allow_duplicate=True),
        "compare": Output(ids.COMPARE, "children", allow_duplicate=True),
    },
    inputs={"selected": Input(ids.RUNS, "selectedRows")},
    state={"current": State(ids.RUN_ID, "data")},
    prevent_initial_call=True,
)
def _select(selected: list[dict] | None, current: int | None) -> dict[str, Any]:
    """One run selected → show it; two or more → compare them."""
    chosen = [int(r["id"]) for r in selected or []]
    if len(chosen) >= 2:
        runs = runs_repo.get_runs(runtime().engine, chosen)
        return {"run_id": no_update, "compare": render_comparison(runs, current_lang())}
    if len(chosen) == 1 and chosen[0] != current:
        return {"run_id": chosen[0], "compare": []}
    return {"run_id": no_update, "compare": []}


@callback(
    output={
        "history": Output(ids.RUNS, "rowData", allow_duplicate=True),
        "message": Output(ids.DELETE_MSG, "children"),
    },
    inputs={"_clicks": Input(ids.DELETE, "n_clicks")},
    state={"selected": State(ids.RUNS, "selectedRows")},
    prevent_initial_call=True,
)
def _delete(_clicks: int | None, selected: list[dict] | None) -> dict[str, Any]:
    n = backtest_jobs().delete([int(r["id"]) for r in selected or []])
    return {"history": history_rows(current_lang()), "message": t("backtest.deleted", n=n)}
