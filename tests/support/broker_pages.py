"""The trade page's order flow against a fake broker server, shared by the embedded and full-mode tests."""

from __future__ import annotations

from typing import Any

from fakes.fake_kis import FakeKis

from support.browser import click, set_input, wait_until
from trading.krx import move_ticks, round_to_tick


def rest_then_fill(duo: Any, fake: Any, code: str, qty: int, wait_open_s: float = 15.0) -> None:
    """On ``code``'s trade page: a buy limit 5 ticks below the market rests in open orders; the fake fills
    it and pushes the fill on its websocket; fills and the position show it within 2 s."""
    price = move_ticks(round_to_tick(fake.prices[code], "down"), -5)
    set_input(duo, "#order-price", str(price))
    set_input(duo, "#order-qty", str(qty))
    click(duo, "#order-submit")
    shown = f"{price:,}"
    wait_until(
        lambda: any(shown in r.text for r in duo.find_elements("#trade-open-orders .oo-row")),
        wait_open_s,
        "the open order",
    )
    order = next(o for o in fake.orders if o.code == code)
    odno = getattr(order, "odno", None) or order.ord_no
    fake.execute(odno, qty, price)
    fake.push_fill(odno, code, "02" if isinstance(fake, FakeKis) else "2", qty, price)
    wait_until(lambda: duo.find_elements("#trade-fills .fill-row"), 2.0, "the fill within 2 s")
    wait_until(lambda: duo.find_element("#pos-qty").text == str(qty), 2.0, "the position within 2 s")
