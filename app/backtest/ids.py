"""Component ids of the /backtest page, one place for every module of ``app.backtest`` (and tests)."""

from __future__ import annotations

# page
INTRO = "bt-intro"
RUN_ID = "bt-run-id"  # dcc.Store (session): the run the page shows
POLL = "bt-interval"  # dcc.Interval polling the shown run while it is active

# form
FORM = "bt-form"
STRATEGY = "bt-strategy"
STRATEGY_DESC = "bt-strategy-desc"
PARAMS = "bt-params"
PARAM = "bt-param"  # pattern-matching type: {"type": PARAM, "name": <parameter>}
PICKS_NOTE = "bt-picks-note"
MODE = "bt-mode"
OPTIMISE = "bt-opt"  # grid / walk-forward settings
METRIC = "bt-metric"
WF_DAYS = "bt-wf-days"
TRAIN = "bt-train"
TEST = "bt-test"
UNIVERSE = "bt-universe"
CODES_BOX = "bt-u-codes"
CODES = "bt-codes"
SECTOR_BOX = "bt-u-sector"
SECTOR = "bt-sector"
REPORT_BOX = "bt-u-report"
REPORT_DATE = "bt-report-date"
TOP_BOX = "bt-u-top"
TOP = "bt-top"
PRESET = "bt-preset"
DATES = "bt-dates"
DATA = "bt-data"
COMMISSION = "bt-commission"
TAX = "bt-tax"
SLIPPAGE = "bt-slippage"
SIZING = "bt-sizing"
SIZING_VALUE = "bt-sizing-value"
FILL = "bt-fill"
CASH = "bt-cash"
RUN = "bt-run"
ERROR = "bt-error"
ERROR_MSG = "bt-error-msg"

# run status
STATUS = "bt-status"
STATUS_LINE = "bt-status-line"
STARTED = "bt-started"
PROGRESS = "bt-progress"
CANCEL = "bt-cancel"
CANCEL_MSG = "bt-cancel-msg"

# result of one run
RESULT = "bt-result"
SENTENCE = "bt-sentence"
STATS = "bt-stats"
STAT_PREFIX = "bt-stat-"  # + statistic key, e.g. bt-stat-total_return_pct
EQUITY = "bt-equity"
DRAWDOWN = "bt-drawdown"
MONTHLY = "bt-monthly"
GRID = "bt-grid"
GRID_BEST = "bt-grid-best"
WALK_FORWARD = "bt-wf"
TRADES = "bt-trades"
FAILED = "bt-failed"
CANCELLED = "bt-cancelled"
AUTO = "bt-auto"  # "이 전략으로 자동매매": a link to /auto?from_run=<id>

# past runs and comparison
RUNS = "bt-runs"
DELETE = "bt-delete"
DELETE_MSG = "bt-delete-msg"
COMPARE = "bt-compare"
COMPARE_TABLE = "bt-compare-table"
COMPARE_CHART = "bt-compare-chart"
COMPARE_NONE = "bt-compare-none"
