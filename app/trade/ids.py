"""Every component id of the trade page, in one place.

The layout, the callbacks and the components (``app/components/orderbook.py``, ``orders.py``, the order
panel) use these constants. The browser code in ``assets/dashboard.js`` and ``assets/live.js`` refers to
some of them (and to the CSS classes at the end) by their strings, and tests drive callbacks by
``"<id>.<property>"``: a renamed string must be renamed there too. The name of a constant is its string
in capitals with ``_`` for ``-``.
"""

from __future__ import annotations

# --- page state (stores and intervals) ------------------------------------------------------------
PAGE = "trade-page"
UNKNOWN = "trade-unknown"  # the page of a code that does not exist
TRADE_CODE = "trade-code"  # the stock code; assets/live.js opens the stream on it
TRADE_NONCE = "trade-nonce"  # per page view: client order ids are "<nonce>-<click>"
TRADE_ACCT = "trade-acct"  # orderable, sellable, fill ids and what the account tables show
TRADE_ACTION = "trade-action"  # 정정/취소 clicks (set by assets/dashboard.js)
TRADE_LIVE = "trade-live"  # the polled quote and book (app/components/quote.py live_payload)
TRADE_LIVE_APPLIED = "trade-live-applied"  # dummy output of gslts.renderLive
TRADE_STREAM = "trade-stream"  # dummy output of gslts.startLive
TRADE_FAST = "trade-fast"  # the quote poll; assets/live.js disables it while the stream pushes
TRADE_SLOW = "trade-slow"  # chart and account refresh
TRADE_CHART_META = "trade-chart-meta"  # the shape of the figure shown (to patch it in place)

# --- header (assets/dashboard.js writes the live values) -----------------------------------------
TRADE_NAME = "trade-name"
TRADE_CODE_LABEL = "trade-code-label"
TRADE_MODE = "trade-mode"
TRADE_PRICE = "trade-price"  # its title is the shown quote's timestamp; assets/live.js looks for it
TRADE_CHANGE = "trade-change"
TRADE_VOLUME = "trade-volume"
TRADE_VALUE = "trade-value"
TRADE_OHLC = "trade-ohlc"
TRADE_TICK_AGE = "trade-tick-age"
TRADE_STALE = "trade-stale"  # the stale-data badge (shown while the broker feed has no live source)

# --- chart ----------------------------------------------------------------------------------------
TRADE_INTERVAL = "trade-interval"
TRADE_MA = "trade-ma"
TRADE_CHART = "trade-chart"
TRADE_QL = "trade-ql"  # the quarter-line chips


def ql_chip(level: str) -> str:
    """A quarter-line chip (``high``, ``q3``, ``mid``, ``q1``, ``low``, ``open``)."""
    return f"ql-{level}"


# --- order book (a fixed table: assets/dashboard.js writes levels by these ids) ------------------
TRADE_BOOK = "trade-book"
OB_TOTAL_ASK = "ob-total-ask"
OB_TOTAL_BID = "ob-total-bid"
OB_STRENGTH = "ob-strength"


def ob_price(side: str, k: int) -> str:
    """The price cell of level ``k`` (0 = best) of ``side`` ("ask" or "bid")."""
    return f"ob-{side}-{k}"


def ob_row(side: str, k: int) -> str:
    return f"ob-{side}-row-{k}"


def ob_bar(side: str, k: int) -> str:
    return f"ob-{side}-bar-{k}"


def ob_qty(side: str, k: int) -> str:
    return f"ob-{side}-qty-{k}"


# --- order panel ----------------------------------------------------------------------------------
ORDER_PANEL = "order-panel"
ORDER_SIDE = "order-side"
ORDER_TYPE = "order-type"  # set to "limit" by a click on a book level or a quarter line
ORDER_PRICE = "order-price"  # set by a click on a book level or a quarter line
ORDER_PRICE_UP = "order-price-up"
ORDER_PRICE_DOWN = "order-price-down"
ORDER_QTY = "order-qty"
ORDER_QTY_PLUS = "order-qty-plus"
ORDER_QTY_MINUS = "order-qty-minus"
ORDER_PCT_TYPE = "order-pct"  # pattern-matching type of the 10/25/50/100% buttons
ORDER_ORDERABLE = "order-orderable"
ORDER_ESTIMATE = "order-estimate"
ORDER_TOTAL = "order-total"  # the estimate's last row
ORDER_SUBMIT = "order-submit"
ORDER_FEEDBACK = "order-feedback"
ORDER_CONFIRM = "order-confirm"  # the confirmation dialog
ORDER_CONFIRM_BODY = "order-confirm-body"
ORDER_CONFIRM_TEXT = "order-confirm-text"
ORDER_CONFIRM_OK = "order-confirm-ok"
ORDER_CONFIRM_CANCEL = "order-confirm-cancel"
ORDER_PENDING = "order-pending"  # the order waiting for its confirmation, with its token
ORDER_RETRY = "order-retry"  # the last order whose outcome is not known yet (its client id)


def order_pct(pct: int) -> dict[str, object]:
    return {"type": ORDER_PCT_TYPE, "pct": pct}


def order_estimate_row(k: int) -> str:
    return f"order-est-{k}"


# --- account: open orders (정정/취소), fills, position, toasts ---------------------------------
TRADE_OPEN_ORDERS = "trade-open-orders"
TRADE_FILLS = "trade-fills"
TRADE_POSITION = "trade-position"
TRADE_TOASTS = "trade-toasts"
OO_EMPTY = "oo-empty"
FILLS_EMPTY = "fills-empty"
POS_NONE = "pos-none"
POS_CARD = "pos-card"
POS_QTY = "pos-qty"
POS_AVG = "pos-avg"
POS_PNL = "pos-pnl"


def oo_row(order_id: str) -> str:
    return f"oo-row-{order_id}"


def oo_modify(order_id: str) -> str:
    return f"oo-modify-{order_id}"


def oo_cancel(order_id: str) -> str:
    return f"oo-cancel-{order_id}"


# the 정정 dialog
OO_MODAL = "oo-modal"
OO_MODAL_DESC = "oo-modal-desc"
OO_MODAL_PRICE = "oo-modal-price"
OO_MODAL_QTY = "oo-modal-qty"
OO_MODAL_FEEDBACK = "oo-modal-feedback"
OO_MODAL_OK = "oo-modal-ok"
OO_MODAL_CANCEL = "oo-modal-cancel"
OO_MODAL_ORDER = "oo-modal-order"  # the order being modified, with the dialog's client id
OO_MODAL_TOKEN = "oo-modal-token"  # a live modify's confirmation token

# --- CSS classes assets/dashboard.js acts on ------------------------------------------------------
OB_LEVEL_CLASS = "ob-level"  # a book price with data-price: click → order price
QL_LEVEL_CLASS = "ql-level"  # a quarter-line chip with data-price: click → order price
OO_MODIFY_CLASS = "oo-modify"  # with data-order-id: click → trade-action {"action": "modify"}
OO_CANCEL_CLASS = "oo-cancel"  # with data-order-id: click → trade-action {"action": "cancel"}
