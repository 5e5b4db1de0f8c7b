"""Component ids of the /auto page, one place for every module of ``app.auto`` (and its tests)."""

from __future__ import annotations

# page state
POLL = "auto-poll"  # dcc.Interval: the table, the selected bot and the risk panel refresh on it
SELECTED = "auto-selected"  # dcc.Store: the selected bot's id
MESSAGE = "auto-message"  # the outcome of the last action (start, create, promote, …)
BEGINNER = "auto-beginner"
VIEWER = "auto-viewer"  # the read-only note for viewers

# bots table
BOTS = "auto-bots"  # dash_ag_grid.AgGrid, one row per bot (row id = bot id)

# one bot
DETAIL = "auto-detail"
SUMMARY = "auto-summary"
START = "auto-start"
PAUSE = "auto-pause"
STOP = "auto-stop"
LOAD_EDIT = "auto-load-edit"
POSITIONS = "auto-positions"
ORDERS = "auto-orders"
DECISIONS = "auto-decisions"
COMPARISONS = "auto-comparisons"  # the evening backtest-vs-live comparisons
DECISION_ROW = "auto-decision"  # CSS class of a decision log row (data-kind = its kind)
PAPER_DAYS = "auto-paper-days"
PROMOTE_MODE = "auto-promote-mode"
PROMOTE = "auto-promote"
PROMOTE_CONFIRM = "auto-promote-confirm"  # dcc.ConfirmDialog

# the create / edit form
FORM = "auto-form"
FORM_BODY = "auto-form-body"  # re-rendered when a bot is loaded for editing
FORM_BASE = "auto-form-base"  # dcc.Store: the loaded config (keeps what the form does not show)
FROM_RUN = "auto-from-run"
NAME = "auto-name"
STRATEGY = "auto-strategy"
PARAMS = "auto-params"
UNIVERSE = "auto-universe"
CODES = "auto-codes"
TOP_N = "auto-top-n"
SECTOR = "auto-sector"
CODES_BOX = "auto-codes-box"  # the columns shown only for the universes that use them
TOP_N_BOX = "auto-top-n-box"
SECTOR_BOX = "auto-sector-box"
TIMEFRAME = "auto-timeframe"
SIZING = "auto-sizing"
SIZING_VALUE = "auto-sizing-value"
STOP_LOSS = "auto-stop-loss"
TAKE_PROFIT = "auto-take-profit"
TRAILING = "auto-trailing"
PROTECT_ARM = "auto-protect-arm"
PROTECT_FLOOR = "auto-protect-floor"
TIME_EXIT = "auto-time-exit"
MAX_POSITIONS = "auto-max-positions"
COOLDOWN = "auto-cooldown"
MAX_LOSSES = "auto-max-losses"
CREATE = "auto-create"
SAVE = "auto-save"
FORM_MESSAGE = "auto-form-message"
FIELD_ERROR = "auto-error"  # pattern-matching type: {"type": FIELD_ERROR, "field": "exits.stop_loss_pct"}

# risk panel
RISK = "auto-risk"
RISK_STATE = "auto-risk-state"
RISK_REASON = "auto-risk-reason"
RISK_LIMITS = "auto-risk-limits"
