"""The account page in the browser: balance cards, positions and the order history filters."""

from __future__ import annotations

import pytest
from support.browser import grid_rows, wait_until
from support.orders import account_reads, ctx_for

from trading.domain import OrderRequest, OrderType, Side

pytestmark = pytest.mark.browser


def test_account_shows_cash_positions_pnl_and_filtered_history(paper_dash_app, browser_login):  # noqa: F811
    from app.runtime import runtime

    gw, ctx = runtime().gateway(), ctx_for("trader")
    b = account_reads("trader")
    gw.place(OrderRequest("005930", Side.BUY, 3, OrderType.MARKET, client_order_id="acct-1"), ctx)
    bid = b.order_book("000660").bids[-1].price
    gw.place(OrderRequest("000660", Side.BUY, 1, OrderType.LIMIT, bid, client_order_id="acct-2"), ctx)
    bal = b.balance()

    duo = browser_login(paper_dash_app)
    duo.driver.set_window_size(1400, 1000)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.driver.get(duo.server.url + "/account")
    duo.wait_for_text_to_equal("h1", "계좌", timeout=15)
    wait_until(lambda: duo.find_element("#acct-cash").text == f"{b.balance().cash:,}", what="cash")
    assert duo.find_element("#acct-orderable").text.replace(",", "").isdigit()
    assert bal.orderable < bal.cash  # the open buy reserves cash
    pos = wait_until(lambda: grid_rows(duo, "acct-positions"), what="positions")
    assert [(p["code"], p["qty"]) for p in pos] == [("005930", 3)]
    assert duo.find_element("#acct-pnl-today").text
    assert duo.find_element("#acct-pnl-total").text

    rows = wait_until(lambda: (r := grid_rows(duo, "acct-history")) and len(r) == 2 and r, what="2 orders")
    assert {r["status"] for r in rows} == {"체결", "접수"}
    duo.select_dcc_dropdown("#acct-status", value="접수")
    wait_until(
        lambda: [r["name"] for r in grid_rows(duo, "acct-history")] == ["SK하이닉스 (000660)"],
        what="open only",
    )
    duo.select_dcc_dropdown("#acct-status", value="전체")
    code = duo.find_element("#acct-code")
    code.send_keys("005930\n")
    wait_until(
        lambda: [r["name"] for r in grid_rows(duo, "acct-history")] == ["삼성전자 (005930)"], what="code"
    )
    duo.wait_for_text_to_equal("#acct-history-count", "1건", timeout=10)
