"""The tour's steps: the five things the product is for, then the safe first trade (paper only).

A step lives on one page (``path``) and points at one real control (``target``, a CSS selector of a
stable id). The list depends on the deployment and the user: the order steps need the paper broker and a
user who may trade; otherwise one step says why they are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.trade import ids as trade_ids

ORDER_STEP = "order"  # the step whose 다음 asks for an order of the stock


@dataclass(frozen=True, slots=True)
class TourContext:
    """What the tour depends on: the stock of the first trade and whether the guide may order."""

    code: str
    name: str
    from_report: bool  # the stock is a morning-report pick (else the ranking's first row)
    mode: str  # the navbar's trading mode: paper | mock | blocked | live
    can_trade: bool


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    path: str
    target: str | None  # None: the card stands alone (centre of the screen)
    title: str  # text key
    body: str  # text key
    fmt: dict[str, str] = field(default_factory=dict)
    scroll_to: str | None = None  # the part of the target to bring into view (default: the target)


def steps_for(ctx: TourContext) -> list[Step]:
    """The whole tour for ``ctx``."""
    trade = f"/trade/{ctx.code}"
    names = {"code": ctx.code, "name": ctx.name}
    out = [
        Step("report", "/report", "#report-picks, #report-empty", "tour.report_title", "tour.report_body"),
        Step("ranking", "/ranking", "#ranking-grid", "tour.ranking_title", "tour.ranking_body"),
        Step("trade", trade, f"#{trade_ids.TRADE_BOOK}", "tour.trade_title", "tour.trade_body"),
        Step("backtest", "/backtest", "#bt-run", "tour.backtest_title", "tour.backtest_body"),
        Step("paper", "/account", "#mode-badge", "tour.paper_title", "tour.paper_body"),
    ]
    if ctx.mode == "paper" and ctx.can_trade:
        pick = (
            Step("pick", "/report", f"#pick-{ctx.code}", "tour.pick_title", "tour.pick_body", names)
            if ctx.from_report
            else Step(
                "pick",
                "/ranking",
                f".ag-row[row-id='{ctx.code}']",
                "tour.pick_title",
                "tour.pick_ranking_body",
                names,
            )
        )
        out += [
            pick,
            Step("book", trade, f"#{trade_ids.TRADE_BOOK}", "tour.book_title", "tour.book_body"),
            Step(
                ORDER_STEP,
                trade,
                f"#{trade_ids.ORDER_PANEL}",
                "tour.order_title",
                "tour.order_body",
                scroll_to=f"#{trade_ids.ORDER_SUBMIT}",
            ),
            Step("open", trade, f"#{trade_ids.TRADE_OPEN_ORDERS}", "tour.open_title", "tour.open_body"),
        ]
    else:
        why = "tour.no_trade_live" if ctx.mode != "paper" else "tour.no_trade_viewer"
        out.append(Step("no_trade", trade, None, "tour.no_trade_title", why, {"mode": ctx.mode}))
    out.append(Step("done", trade, None, "tour.done_title", "tour.done_body"))
    return out
