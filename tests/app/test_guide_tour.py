"""The first-run tour in headless Chromium on a fresh database with a running paper market: offered at
the first login, walked through every page, ending on a one-share paper order placed through the order
panel; not offered again at the next login; restarted from the help menu."""

from __future__ import annotations

import pytest
from support import report_data as rd
from support.browser import click, wait_until
from support.orders import account_reads

from app.runtime import runtime
from db.engine import make_engine
from db.repositories import guide as guide_repo
from db.repositories import reports as report_repo
from db.repositories.users import add_user, get_user
from trading.domain import OrderType, Side
from workers.report_jobs import build_and_store

pytestmark = pytest.mark.browser

NEW_USER, NEW_PASSWORD = "newbie", "newbie-password-1"


@pytest.fixture
def tour_app(app_settings, paper_dash_app):
    """The paper market app with a stored morning report (its picks are the first trade's stock)."""
    engine = make_engine(app_settings.database_url)
    add_user(engine, NEW_USER, NEW_PASSWORD)  # a trader who never logged in
    rd.insert_fixed_market(engine, seed_master=False)
    build_and_store(engine, app_settings, rd.SESSION)
    engine.dispose()
    return paper_dash_app


def card_text(duo) -> str:  # noqa: ANN001
    return duo.find_element("#guide-card").text


def at_step(duo, path: str, target: str, n: int) -> None:  # noqa: ANN001
    """The browser is on ``path``, the card says step ``n`` and ``target`` is highlighted beside it."""
    wait_until(lambda: duo.driver.current_url.split("?")[0].endswith(path), what=f"url {path}")
    wait_until(lambda: card_text(duo).startswith(f"{n} / 10"), what=f"step {n}")
    wait_until(
        lambda: "guide-highlight" in duo.find_element(target).get_attribute("class"),
        what=f"{target} highlighted",
    )
    assert duo.find_element("#guide-card").get_attribute("data-guide-found") == "1"


def test_first_login_tour_ends_on_a_paper_order_and_restarts_from_help(tour_app, browser_login):
    engine = runtime().engine
    code = report_repo.report_picks(engine, rd.SESSION)[0][1]
    uid = get_user(engine, NEW_USER).id
    duo = browser_login(tour_app, NEW_USER, NEW_PASSWORD)
    duo.wait_for_element("#nav-user", timeout=15)

    # A new user is offered the tour.
    wait_until(lambda: "처음 오셨나요?" in card_text(duo), what="the offer")
    assert guide_repo.get_progress(engine, uid) is None
    click(duo, "#guide-card .guide-start")

    # The five things, each on its page, pointing at its control.
    at_step(duo, "/report", "#report-picks", 1)
    assert guide_repo.get_progress(engine, uid).status == "active"
    click(duo, "#guide-card .guide-next")
    at_step(duo, "/ranking", "#ranking-grid", 2)
    click(duo, "#guide-card .guide-next")
    at_step(duo, f"/trade/{code}", "#trade-book", 3)
    click(duo, "#guide-card .guide-next")
    at_step(duo, "/backtest", "#bt-run", 4)
    click(duo, "#guide-card .guide-prev")  # 이전 goes back a page
    at_step(duo, f"/trade/{code}", "#trade-book", 3)
    click(duo, "#guide-card .guide-next")
    at_step(duo, "/backtest", "#bt-run", 4)
    click(duo, "#guide-card .guide-next")
    at_step(duo, "/account", "#mode-badge", 5)
    assert guide_repo.get_progress(engine, uid).step == 4

    # The safe first trade: the report pick, the book, a prefilled one-share limit order.
    click(duo, "#guide-card .guide-next")
    at_step(duo, "/report", f"#pick-{code}", 6)
    click(duo, "#guide-card .guide-next")
    at_step(duo, f"/trade/{code}", "#trade-book", 7)
    click(duo, "#guide-card .guide-next")
    at_step(duo, f"/trade/{code}", "#order-panel", 8)
    price = int(wait_until(lambda: duo.find_element("#order-price").get_attribute("value"), what="price"))
    assert duo.find_element("#order-qty").get_attribute("value") == "1"
    assert f"{price:,}원" in card_text(duo)
    click(duo, "#guide-card .guide-ordered")  # not ordered yet: the card says so and stays
    wait_until(lambda: "아직 이 종목의 주문이 없습니다" in card_text(duo), what="no order yet")
    assert card_text(duo).startswith("8 / 10")

    click(duo, "#order-submit")  # the user's own press, through the normal order panel
    wait_until(lambda: [o for o in account_reads(NEW_USER).orders() if o.code == code], what="the order")
    click(duo, "#guide-card .guide-ordered")
    at_step(duo, f"/trade/{code}", "#trade-open-orders", 9)
    (order,) = [o for o in account_reads(NEW_USER).orders() if o.code == code]
    assert (order.side, order.order_type, order.qty, order.price) == (Side.BUY, OrderType.LIMIT, 1, price)

    click(duo, "#guide-card .guide-next")
    wait_until(lambda: card_text(duo).startswith("10 / 10"), what="the last step")
    click(duo, "#guide-card .guide-backtest")
    wait_until(lambda: duo.driver.current_url.endswith(f"/backtest?code={code}"), what="backtest link")
    wait_until(lambda: duo.find_element("#bt-codes").get_attribute("value") == code, what="code prefilled")
    wait_until(lambda: "d-none" in duo.find_element("#guide-card").get_attribute("class"), what="card closed")
    assert guide_repo.get_progress(engine, uid).status == "completed"

    # The next login: no tour. The help menu restarts it.
    click(duo, "#logout")
    duo.wait_for_element("#username", timeout=10).send_keys(NEW_USER)
    duo.find_element("#password").send_keys(NEW_PASSWORD)
    duo.find_element("#login-submit").click()
    duo.wait_for_element("#nav-user", timeout=15)
    assert "d-none" in duo.find_element("#guide-card").get_attribute("class")
    click(duo, "#guide-help")
    click(duo, ".guide-restart")
    at_step(duo, "/report", "#report-picks", 1)
    assert guide_repo.get_progress(engine, uid).status == "active"
    assert guide_repo.get_progress(engine, uid).step == 0
    click(duo, "#guide-card .guide-next")  # the restarted tour moves on as before
    at_step(duo, "/ranking", "#ranking-grid", 2)
    click(duo, "#guide-card .guide-skip")  # 건너뛰기 closes it for good
    wait_until(lambda: "d-none" in duo.find_element("#guide-card").get_attribute("class"), what="card closed")
    assert guide_repo.get_progress(engine, uid).status == "skipped"
