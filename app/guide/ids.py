"""Component ids and classes of the tour (``assets/guide.js`` and the tests use the strings)."""

from __future__ import annotations

STATE = "guide-state"  # dcc.Store: {"status": new|active|completed|skipped, "step": int, "code": str}
CARD = "guide-card"  # the floating card (assets/guide.js places it next to the target)
FEEDBACK = "guide-feedback"  # the card's message (e.g. no order yet)
TARGET_ATTR = "data-guide-target"  # on the card's first child: the CSS selector of the step's control
SCROLL_ATTR = "data-guide-scroll"  # beside it: the part of the control to scroll into view (else the control)
BUTTON = "guide-btn"  # pattern-matching type of every tour button: {"type": BUTTON, "action": ...}
HELP_MENU = "guide-help"  # the navbar's 도움말 dropdown
GLOSSARY_LINK = "guide-glossary"

ACTIONS = ("start", "later", "next", "prev", "skip", "finish", "go", "ordered", "backtest", "restart")


def button(action: str) -> dict[str, str]:
    """The id of the tour button doing ``action`` (its CSS class is ``guide-<action>``)."""
    return {"type": BUTTON, "action": action}
