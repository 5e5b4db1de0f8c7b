"""The tour's steps (app/guide/steps.py): the five things, then the safe first trade only with paper money
and a user who may trade; otherwise one step that says why it is skipped."""

from __future__ import annotations

from app.guide.steps import TourContext, steps_for
from app.text import CATALOGUE


def ctx(mode: str = "paper", can_trade: bool = True, from_report: bool = True) -> TourContext:
    return TourContext("005930", "삼성전자", from_report, mode, can_trade)


def test_paper_trader_tour_visits_the_five_things_then_places_a_first_order():
    steps = steps_for(ctx())
    assert [s.key for s in steps] == [
        "report", "ranking", "trade", "backtest", "paper", "pick", "book", "order", "open", "done",
    ]  # fmt: skip
    assert [s.path for s in steps[:5]] == ["/report", "/ranking", "/trade/005930", "/backtest", "/account"]
    assert steps[5].path == "/report" and steps[5].target == "#pick-005930"
    assert {s.path for s in steps[6:]} == {"/trade/005930"}
    assert [s.target for s in steps[6:9]] == ["#trade-book", "#order-panel", "#trade-open-orders"]
    for s in steps:
        assert s.title in CATALOGUE and s.body in CATALOGUE
        assert all(CATALOGUE[s.body]), s.body  # Korean and English


def test_without_a_report_pick_the_first_trade_starts_from_the_ranking():
    pick = steps_for(ctx(from_report=False))[5]
    assert (pick.path, pick.target, pick.body) == (
        "/ranking",
        ".ag-row[row-id='005930']",
        "tour.pick_ranking_body",
    )


def test_broker_and_viewer_tours_skip_the_order_and_say_why():
    for mode in ("mock", "blocked", "live"):
        keys = [(s.key, s.body) for s in steps_for(ctx(mode=mode))]
        assert keys[5:] == [("no_trade", "tour.no_trade_live"), ("done", "tour.done_body")]
    viewer = steps_for(ctx(can_trade=False))
    assert [(s.key, s.body) for s in viewer[5:]] == [
        ("no_trade", "tour.no_trade_viewer"),
        ("done", "tour.done_body"),
    ]
    assert not any(s.key == "order" for s in viewer)
