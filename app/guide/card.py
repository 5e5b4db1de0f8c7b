"""The tour's card: the shell's store and floating card, and the card's content for a state."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.guide import ids
from app.guide.context import initial_state, order_price, step_of, tour_context, valid_code
from app.guide.steps import ORDER_STEP, Step, TourContext, steps_for
from app.text import t

MESSAGES = ("guide.no_order_yet",)  # what the card may say under a step (the state names one)
HIDDEN = "guide-card d-none"
SHOWN = "guide-card card shadow"


def guide_shell() -> list:
    """The store (the user's place, from the database) and the empty card, for the shell's layout."""
    return [
        dcc.Store(id=ids.STATE, data=initial_state()),
        html.Div(id=ids.CARD, className=HIDDEN, role="dialog", **{"aria-live": "polite"}),
    ]


def _btn(action: str, label: str, color: str = "secondary", outline: bool = True) -> dbc.Button:
    return dbc.Button(
        label,
        id=ids.button(action),
        size="sm",
        color=color,
        outline=outline,
        className=f"guide-{action} ms-1",
    )


def _body_text(step: Step, code: str) -> str:
    fmt = dict(step.fmt)
    if "mode" in fmt:
        fmt["mode"] = t(f"mode.{fmt['mode']}")
    if step.key == ORDER_STEP:
        price = order_price(code)
        fmt["price"] = f"{price:,}" if price else "-"
        fmt["submit"] = t("order.submit_buy")
    return t(step.body, **fmt)


def offer() -> list:
    """The first card a new user sees: what the tour is, start or not now."""
    return [
        html.Div(**{ids.TARGET_ATTR: ""}, className="d-none"),
        html.H2(t("tour.welcome_title"), className="h6 mb-2"),
        html.P(t("tour.welcome_body"), className="small mb-2"),
        html.Div(
            [_btn("later", t("guide.later")), _btn("start", t("guide.start"), "primary", outline=False)],
            className="d-flex justify-content-end",
        ),
    ]


def step_card(
    steps: list[Step], k: int, ctx: TourContext, pathname: str | None, msg: str | None = None
) -> list:
    """The card of step ``k``: count, title, text, and 건너뛰기 / 이전 / 다음 (or the step's own buttons)."""
    step = steps[k]
    here = (pathname or "") == step.path
    nav = [_btn("skip", t("guide.skip"), "link", outline=False)]
    if k > 0:
        nav.append(_btn("prev", t("guide.prev")))
    if not here:
        nav.append(_btn("go", t("guide.go"), "primary", outline=False))
    elif step.key == ORDER_STEP:
        nav.append(_btn("ordered", t("guide.ordered"), "primary", outline=False))
    elif step.key == "done":
        nav.append(_btn("finish", t("guide.finish"), "primary", outline=False))
    else:
        nav.append(_btn("next", t("guide.next"), "primary", outline=False))
    extra = []
    if step.key == "done":
        extra.append(
            html.Div(
                _btn("backtest", t("guide.backtest_link", name=ctx.name), "success", outline=False),
                className="mb-2",
            )
        )
    return [
        html.Div(
            **{ids.TARGET_ATTR: (step.target or "") if here else "", ids.SCROLL_ATTR: step.scroll_to or ""},
            className="d-none",
        ),
        html.Div(t("guide.count", n=k + 1, total=len(steps)), className="small text-body-secondary"),
        html.H2(t(step.title, **step.fmt), className="h6 mb-2"),
        html.P(_body_text(step, ctx.code), className="small mb-2"),
        *extra,
        html.Div(
            t(msg, submit=t("order.submit_buy")) if msg else None,
            id=ids.FEEDBACK,
            className="small text-danger mb-1",
        ),
        html.Div(nav, className="d-flex justify-content-end align-items-center"),
    ]


def render(state: dict | None, pathname: str | None) -> tuple[list, str]:
    """(children, className) of the card for ``state``: hidden unless the tour is offered or running."""
    if not state or state.get("status") not in ("new", "active"):
        return [], HIDDEN
    if state["status"] == "new":
        return offer(), SHOWN + " guide-offer"
    ctx = tour_context(valid_code(state.get("code")) or None)
    steps = steps_for(ctx)
    k = min(max(step_of(state), 0), len(steps) - 1)
    msg = state.get("msg")
    return step_card(steps, k, ctx, pathname, msg if msg in MESSAGES else None), SHOWN
