"""The create / edit form of /auto: strategy and its parameters (JSON), universe, timeframe, sizing, exits
and limits. Errors come back per field (``BotConfigError.errors``) and show under their inputs.

The form is built from a config dict (a default, ``config_from_run`` for ``/auto?from_run=<id>``, or a
bot's current version for 수정); what it does not show (stale policy, a screen universe, the ATR period)
is kept in ``FORM_BASE`` and merged back on save.
"""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from app.auto import ids
from app.auto.session import today, username
from app.components.callbacks import reply
from app.components.data import can_trade
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from services import bot_admin
from services.bot_admin import BotActionError, BotConfigError
from trading.bots.config import SIZING_KINDS, TIMEFRAMES, UNIVERSE_KINDS
from trading.sectors import SECTORS
from trading.strategies.registry import list_strategies

DEFAULT: dict[str, Any] = {
    "name": "",
    "strategy": "ma_cross",
    "params": {},
    "universe": {"kind": "top", "n": 20},
    "timeframe": "1m",
    "sizing": {"kind": "fixed", "value": 1_000_000},
    "exits": {},
    "limits": {"max_positions": 5},
}

# Form field → (component id, section of the config, key); the error key is "<section>.<key>".
NUMBERS: tuple[tuple[str, str, str, str], ...] = (
    (ids.STOP_LOSS, "exits", "stop_loss_pct", "auto.stop_loss"),
    (ids.TAKE_PROFIT, "exits", "take_profit_pct", "auto.take_profit"),
    (ids.TRAILING, "exits", "trailing_pct", "auto.trailing"),
    (ids.PROTECT_ARM, "exits", "protect_arm_pct", "auto.protect_arm"),
    (ids.PROTECT_FLOOR, "exits", "protect_floor_pct", "auto.protect_floor"),
    (ids.TIME_EXIT, "exits", "time_exit_bars", "auto.time_exit"),
    (ids.MAX_POSITIONS, "limits", "max_positions", "auto.max_positions"),
    (ids.COOLDOWN, "limits", "cooldown_bars", "auto.cooldown"),
    (ids.MAX_LOSSES, "limits", "max_consecutive_losses", "auto.max_losses"),
)
# Error keys shown under an input; any other goes to the form's message.
FIELDS = ("name", "strategy", "params", "universe.kind", "universe.codes", "universe.n", "universe.sector",
          "timeframe", "sizing.kind", "sizing.value", *(f"{s}.{k}" for _, s, k, _ in NUMBERS))  # fmt: skip


def field_error(key: str) -> html.Div:
    """The (initially empty) error line under the input of config field ``key``."""
    return html.Div(
        "", id={"type": ids.FIELD_ERROR, "field": key}, className="small text-danger auto-field-error"
    )


def _field(label: str, control: Any, key: str, width: int = 12, box: dict[str, Any] | None = None) -> dbc.Col:
    """A labelled input with its error line; ``box`` = {"id", "style"} for a column shown by the universe."""
    return dbc.Col(
        [dbc.Label(label, className="small fw-semibold mb-0"), control, field_error(key)],
        md=width,
        className="mb-2",
        **(box or {}),
    )


# The universe's own inputs: the column's id and the universe kinds it is shown for.
UNIVERSE_BOXES = {ids.CODES_BOX: ("codes",), ids.TOP_N_BOX: ("top", "sector"), ids.SECTOR_BOX: ("sector",)}


def universe_styles(kind: str | None) -> dict[str, dict[str, str]]:
    """Box id → style: only the inputs the universe ``kind`` uses are shown."""
    return {box: {} if kind in kinds else {"display": "none"} for box, kinds in UNIVERSE_BOXES.items()}


def _number(id_: str, value: Any) -> dbc.Input:
    return dbc.Input(id=id_, type="number", value=value, size="sm", step="any")


def _strategy_options() -> list[dict[str, str]]:
    return [{"label": s.name, "value": s.name} for s in list_strategies() if s.error is None]


def form_fields(cfg: dict[str, Any], lang: str) -> list[Any]:
    """The form's inputs holding ``cfg`` (a raw bot config)."""
    u, s = cfg.get("universe") or {}, cfg.get("sizing") or {}
    codes = u.get("codes") or []
    sectors = [{"label": d.name_en if lang == "en" else d.name_ko, "value": d.code} for d in SECTORS]
    styles = universe_styles(u.get("kind") or "top")

    def box(id_: str) -> dict[str, Any]:
        return {"id": id_, "style": styles[id_]}

    numbers = [
        _field(t(label, lang), _number(id_, (cfg.get(section) or {}).get(key)), f"{section}.{key}", 4)
        for id_, section, key, label in NUMBERS
    ]
    return [
        dcc.Store(id=ids.FORM_BASE, data=cfg),
        dbc.Row(
            [
                _field(
                    t("auto.name", lang),
                    dbc.Input(id=ids.NAME, value=cfg.get("name") or "", size="sm"),
                    "name",
                    6,
                ),
                _field(
                    t("auto.strategy", lang),
                    dcc.Dropdown(
                        id=ids.STRATEGY,
                        options=_strategy_options(),
                        value=cfg.get("strategy"),
                        clearable=False,
                    ),
                    "strategy",
                    6,
                ),  # fmt: skip
                _field(
                    t("auto.params", lang),
                    dbc.Textarea(
                        id=ids.PARAMS,
                        value=json.dumps(cfg.get("params") or {}, ensure_ascii=False),
                        rows=2,
                        className="font-monospace small",
                    ),
                    "params",
                ),  # fmt: skip
                _field(
                    t("auto.universe", lang),
                    dcc.Dropdown(
                        id=ids.UNIVERSE,
                        value=u.get("kind") or "top",
                        clearable=False,
                        options=[
                            {"label": t(f"auto.universe.{k}", lang), "value": k} for k in UNIVERSE_KINDS
                        ],
                    ),
                    "universe.kind",
                    6,
                ),  # fmt: skip
                _field(
                    t("auto.top_n", lang), _number(ids.TOP_N, u.get("n")), "universe.n", 2, box(ids.TOP_N_BOX)
                ),
                _field(
                    t("auto.sector", lang),
                    dcc.Dropdown(id=ids.SECTOR, options=sectors, value=u.get("sector") or None),
                    "universe.sector",
                    4,
                    box(ids.SECTOR_BOX),
                ),  # fmt: skip
                _field(
                    t("auto.codes", lang),
                    dbc.Input(
                        id=ids.CODES,
                        value=", ".join(codes) if isinstance(codes, list) else str(codes),
                        size="sm",
                        placeholder="005930, 000660",
                    ),
                    "universe.codes",
                    12,
                    box(ids.CODES_BOX),
                ),  # fmt: skip
                _field(
                    t("auto.timeframe", lang),
                    dcc.Dropdown(
                        id=ids.TIMEFRAME,
                        value=cfg.get("timeframe") or "1m",
                        clearable=False,
                        options=[{"label": t(f"auto.tf.{k}", lang), "value": k} for k in TIMEFRAMES],
                    ),
                    "timeframe",
                    4,
                ),  # fmt: skip
                _field(
                    t("auto.sizing", lang),
                    dcc.Dropdown(
                        id=ids.SIZING,
                        value=s.get("kind") or "fixed",
                        clearable=False,
                        options=[{"label": t(f"auto.sizing.{k}", lang), "value": k} for k in SIZING_KINDS],
                    ),
                    "sizing.kind",
                    4,
                ),  # fmt: skip
                _field(
                    t("auto.sizing_value", lang), _number(ids.SIZING_VALUE, s.get("value")), "sizing.value", 4
                ),
            ],
            className="g-2",
        ),
        html.Div(t("auto.exits", lang), className="small fw-semibold mt-2"),
        dbc.Row(numbers[:6], className="g-2"),
        html.Div(t("auto.limits", lang), className="small fw-semibold mt-2"),
        dbc.Row(numbers[6:], className="g-2"),
    ]


def form_card(cfg: dict[str, Any] | None, lang: str, note: str = "") -> dbc.Card:
    """The form card (buttons only for users who trade)."""
    buttons = html.Div(
        [
            dbc.Button(t("auto.create", lang), id=ids.CREATE, color="primary", size="sm", className="me-2"),
            dbc.Button(t("auto.save", lang), id=ids.SAVE, color="secondary", outline=True, size="sm"),
        ],
        className="mt-2",
        style={} if can_trade() else {"display": "none"},
    )
    body = [
        html.Div(note, id=ids.FROM_RUN, className="small text-success mb-2") if note else None,
        html.Div(form_fields(cfg or DEFAULT, lang), id=ids.FORM_BODY),
        buttons,
        html.Div(id=ids.FORM_MESSAGE, className="small mt-2"),
    ]
    return dbc.Card([dbc.CardHeader(t("auto.form", lang)), dbc.CardBody(body)], id=ids.FORM, className="mt-3")


def _num(value: Any) -> Any:
    return None if value in ("", None) else value


def raw_config(values: dict[str, Any], numbers: list[Any], base: dict[str, Any] | None) -> dict[str, Any]:
    """The raw bot config from the form's ``values`` and the ``NUMBERS`` inputs, over ``base``
    (``ValueError`` when the parameters are not a JSON object)."""
    base = dict(base or {})
    text = (values.get("params") or "").strip() or "{}"
    params = json.loads(text)
    if not isinstance(params, dict):
        raise ValueError("not an object")
    universe = {**(base.get("universe") or {}), "kind": values.get("universe"), "codes": values.get("codes") or "",
                "n": _num(values.get("n")), "sector": values.get("sector") or ""}  # fmt: skip
    sizing = {
        **(base.get("sizing") or {}),
        "kind": values.get("sizing"),
        "value": _num(values.get("sizing_value")),
    }
    raw: dict[str, Any] = {
        **base,
        "name": values.get("name") or "",
        "strategy": values.get("strategy") or "",
        "params": params,
        "universe": universe,
        "timeframe": values.get("timeframe"),
        "sizing": sizing,
        "exits": {},
        "limits": {},
    }
    for (_, section, key, _), value in zip(NUMBERS, numbers, strict=True):
        raw[section][key] = _num(value)
    raw.pop("mode", None)
    return raw


FORM_STATE = {
    "name": State(ids.NAME, "value"),
    "strategy": State(ids.STRATEGY, "value"),
    "params": State(ids.PARAMS, "value"),
    "universe": State(ids.UNIVERSE, "value"),
    "codes": State(ids.CODES, "value"),
    "n": State(ids.TOP_N, "value"),
    "sector": State(ids.SECTOR, "value"),
    "timeframe": State(ids.TIMEFRAME, "value"),
    "sizing": State(ids.SIZING, "value"),
    "sizing_value": State(ids.SIZING_VALUE, "value"),
}
SUBMIT_OUT = {
    "errors": Output({"type": ids.FIELD_ERROR, "field": ALL}, "children"),
    "message": Output(ids.FORM_MESSAGE, "children"),
    "selected": Output(ids.SELECTED, "data", allow_duplicate=True),
}


def _alert(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="py-1 px-2 mb-0 small")


def _error_lines(
    errors: dict[str, tuple[str, str]], lang: str, shown: list[str]
) -> tuple[list[str], list[str]]:
    """(one message per shown error line, the messages of fields without a line)."""
    pick = 1 if lang == "en" else 0
    per_field = [errors[k][pick] if k in errors else "" for k in shown]
    rest = [f"{k}: {v[pick]}" for k, v in errors.items() if k not in shown]
    return per_field, rest


@callback(
    output=SUBMIT_OUT,
    inputs={"_create": Input(ids.CREATE, "n_clicks"), "_save": Input(ids.SAVE, "n_clicks")},
    state={
        "values": FORM_STATE,
        "numbers": [State(id_, "value") for id_, _, _, _ in NUMBERS],
        "base": State(ids.FORM_BASE, "data"),
        "selected": State(ids.SELECTED, "data"),
    },
    prevent_initial_call=True,
)
def _submit(_create: int | None, _save: int | None, values: dict[str, Any], numbers: list[Any],
            base: dict[str, Any] | None, selected: int | None) -> dict[str, Any]:  # fmt: skip
    """Create a bot (paper, stopped) or store the form as the selected bot's next version."""
    lang = current_lang()
    shown = [o["id"]["field"] for o in ctx.outputs_list[0]]
    clear = ["" for _ in shown]
    try:
        raw = raw_config(values, numbers, base)
    except ValueError as err:
        lines = [t("auto.params_bad", lang, err=err) if k == "params" else "" for k in shown]
        return reply(SUBMIT_OUT, errors=lines, message=_alert(t("auto.form_errors", lang), "danger"))
    rt, user = runtime(), username()
    try:
        if ctx.triggered_id == ids.SAVE:
            if selected is None:
                return reply(
                    SUBMIT_OUT, errors=clear, message=_alert(t("auto.no_selection", lang), "warning")
                )
            version = bot_admin.edit(rt.engine, user, int(selected), raw)
            return reply(SUBMIT_OUT, errors=clear,
                         message=_alert(t("auto.saved", lang, id=selected, version=version), "success"))  # fmt: skip
        bot_id = bot_admin.create(rt.engine, rt.settings, user, raw, source="page")
    except BotConfigError as err:
        per_field, rest = _error_lines(err.errors, lang, shown)
        text = " · ".join([t("auto.form_errors", lang), *rest])
        return reply(SUBMIT_OUT, errors=per_field, message=_alert(text, "danger"))
    except BotActionError as err:
        return reply(SUBMIT_OUT, errors=clear, message=_alert(err.ko if lang == "ko" else str(err), "danger"))
    return reply(SUBMIT_OUT, errors=clear, message=_alert(t("auto.created", lang, id=bot_id), "success"),
                 selected=bot_id)  # fmt: skip


@callback(
    Output(ids.FORM_BODY, "children"),
    Input(ids.LOAD_EDIT, "n_clicks"),
    State(ids.SELECTED, "data"),
    prevent_initial_call=True,
)
def _load_for_edit(_n: int | None, selected: int | None) -> Any:
    """Put the selected bot's current version in the form."""
    if selected is None:
        return no_update
    try:
        bot = bot_admin.view(runtime().engine, username(), int(selected), today(), log_limit=1).bot
    except BotActionError:
        return no_update
    return form_fields(dict(bot.config), current_lang())


@callback(
    output={box: Output(box, "style") for box in UNIVERSE_BOXES},
    inputs={"kind": Input(ids.UNIVERSE, "value")},
    prevent_initial_call=True,
)
def _universe_inputs(kind: str | None) -> dict[str, Any]:
    """Show the inputs of the chosen universe only."""
    return universe_styles(kind)
