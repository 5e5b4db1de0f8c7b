"""Starting, following and cancelling a run.

실행 checks the form (``BacktestJobs.check``: a Korean message, nothing stored on a bad input) and
submits the run to the worker (``BacktestJobs.submit``: Celery in full mode, a background thread
in embedded mode). The page keeps the run id in session storage and polls the run's row with a
``dcc.Interval`` until it ends, so a reload resumes it.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html, no_update
from flask_login import current_user

from app.backtest import ids
from app.backtest.form import form_request, form_states, form_values
from app.backtest.history import history_rows
from app.backtest.jobs import backtest_jobs
from app.backtest.result import render_run
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.repositories import backtests as runs_repo
from services.backtest_jobs import JobNotStarted
from trading.backtest.spec import SpecError
from trading.sectors import SECTOR_BY_CODE


def status_panel() -> html.Div:
    """The shown run's status line, progress bar and cancel button."""
    cancel = dbc.Button(
        t("backtest.cancel"), id=ids.CANCEL, size="sm", color="secondary", outline=True, disabled=True
    )
    return html.Div(
        [
            html.Div(
                [html.Span(id=ids.STATUS_LINE, className="small me-auto"), cancel],
                className="d-flex align-items-center gap-2 mb-1",
            ),
            dbc.Progress(id=ids.PROGRESS, value=0, label="", striped=True, style={"height": "1.2rem"}),
            html.Div(id=ids.CANCEL_MSG, className="small text-body-secondary"),
        ],
        id=ids.STATUS,
        className="mb-3",
    )


# --- starting -------------------------------------------------------------------------------------


def _universe_label(config: dict[str, Any]) -> str:
    u = config["universe"]
    if u["kind"] == "codes":
        codes = u["codes"]
        return ",".join(codes[:3]) + (f" +{len(codes) - 3}" if len(codes) > 3 else "")
    if u["kind"] == "sector":
        return f"{SECTOR_BY_CODE[u['sector']].name_ko} TOP{u['top']}"
    if u["kind"] == "report":
        return f"report {u['date']}"
    return f"TOP{u['top']}"


def run_name(strategy: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    """A short label: strategy, parameters (or the grid), universe, period."""
    shown = {**params, **{k: "|".join(map(str, v)) for k, v in config.get("grid", {}).items()}}
    ps = " ".join(f"{k}={v}" for k, v in shown.items() if v is not None and not isinstance(v, dict))
    mode = "" if config["mode"] == "single" else f" [{config['mode']}]"
    return f"{strategy}{mode} {ps} · {_universe_label(config)} · {config['start']}~{config['end']}"[:100]


def submit(values: dict[str, Any], user: str | None) -> tuple[int | None, str | None]:
    """Check the form and start a run: (run id, None), or (None, the message in the page language)."""
    strategy, raw_params, raw_config = form_request(values)
    jobs = backtest_jobs()
    try:
        spec = jobs.check(strategy, raw_params, raw_config)
    except SpecError as err:
        return None, err.text(current_lang())
    name = run_name(spec.strategy, spec.params_json(), spec.config_json())
    try:
        return jobs.submit(spec, name=name, user=user), None
    except JobNotStarted as err:
        return None, t("backtest.start_failed", error=str(err))


def _username() -> str | None:
    return current_user.username if getattr(current_user, "is_authenticated", False) else None


@callback(
    output={
        "run_id": Output(ids.RUN_ID, "data"),
        "error": Output(ids.ERROR, "children"),
        "compare": Output(ids.COMPARE, "children"),
        "selected": Output(ids.RUNS, "selectedRows"),
    },
    inputs={"_clicks": Input(ids.RUN, "n_clicks")},
    state=form_states(),
    prevent_initial_call=True,
)
def _start(
    _clicks: int | None, strategy: str | None, param_values: list, param_ids: list, fields: dict
) -> dict[str, Any]:
    """실행: check the form and start a run (the history selection and comparison are cleared)."""
    run_id, error = submit(form_values(strategy, param_values, param_ids, fields), _username())
    if error:
        alert = dbc.Alert(error, color="danger", className="py-2 small", id=ids.ERROR_MSG)
        return {"run_id": no_update, "error": alert, "compare": no_update, "selected": no_update}
    note = html.Div(
        t("backtest.started", current_lang(), id=run_id),
        className="small text-body-secondary",
        id=ids.STARTED,
    )
    return {"run_id": run_id, "error": note, "compare": [], "selected": []}


# --- following and cancelling ---------------------------------------------------------------------


@callback(
    output={
        "progress": Output(ids.PROGRESS, "value"),
        "label": Output(ids.PROGRESS, "label"),
        "animated": Output(ids.PROGRESS, "animated"),
        "status": Output(ids.STATUS_LINE, "children"),
        "cancel_disabled": Output(ids.CANCEL, "disabled"),
        "poll_disabled": Output(ids.POLL, "disabled"),
        "result": Output(ids.RESULT, "children"),
        "history": Output(ids.RUNS, "rowData"),
    },
    inputs={"_tick": Input(ids.POLL, "n_intervals"), "run_id": Input(ids.RUN_ID, "data")},
)
def _poll(_tick: int | None, run_id: int | None) -> dict[str, Any]:
    """The shown run's progress while it is active; its result (and a fresh history) once it ends."""
    lang = current_lang()
    run = backtest_jobs().progress(int(run_id)) if run_id else None
    if run is None:
        return {
            "progress": 0, "label": "", "animated": False, "status": "", "cancel_disabled": True,
            "poll_disabled": True, "result": render_run(None, lang), "history": history_rows(lang),
        }  # fmt: skip
    done = round(run.progress * 100)
    status = t(f"backtest.status.{run.status}", lang)
    out = {
        "progress": done,
        "label": f"{done}%",
        "animated": run.active,
        "status": t("backtest.status_line", lang, id=run.id, name=run.name or run.strategy, status=status),
        "cancel_disabled": not run.active or run.status == "cancelling",
        "poll_disabled": not run.active,
    }
    if run.active:  # a newly shown run clears the old result and refreshes the history
        first = ctx.triggered_id == ids.RUN_ID
        return {
            **out,
            "result": [] if first else no_update,
            "history": history_rows(lang) if first else no_update,
        }
    full = runs_repo.get_run(runtime().engine, run.id)
    return {**out, "result": render_run(full, lang), "history": history_rows(lang)}


@callback(
    Output(ids.CANCEL_MSG, "children"),
    Input(ids.CANCEL, "n_clicks"),
    State(ids.RUN_ID, "data"),
    prevent_initial_call=True,
)
def _cancel(_clicks: int | None, run_id: int | None) -> str:
    sent = bool(run_id) and backtest_jobs().cancel(int(run_id))
    return t("backtest.cancel_sent") if sent else ""
