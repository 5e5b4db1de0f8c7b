"""The trade page's order flow against a fake broker server, shared by the embedded and full-mode tests."""

from __future__ import annotations

from typing import Any

from fakes.fake_kis import FakeKis

from support.browser import click, set_input, wait_until
from trading.krx import move_ticks, round_to_tick


def fake_credentials(kind: str, fake: Any, key: str) -> dict[str, object]:
    """Settings pointing the ``kind`` adapter at ``fake`` with app key ``key`` and a rate limit for tests."""
    if kind == "kis":
        return {"kis_app_key": key, "kis_app_secret": "s", "kis_account": "12345678-01", "kis_hts_id": "HTSUSER01",
                "kis_rest_url": fake.rest_url, "kis_ws_url": fake.ws_url, "kis_rate_per_s": 60}  # fmt: skip
    return {"kiwoom_app_key": key, "kiwoom_secret_key": "s", "kiwoom_rest_url": fake.rest_url,
            "kiwoom_ws_url": fake.ws_url, "kiwoom_rate_per_api_s": 60, "kiwoom_global_rate_per_s": 60}  # fmt: skip


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


def sector_top(duo: Any, fake: Any, sector: str, sector_of: dict[str, str], timeout: float = 20.0) -> None:
    """The ranking's sector filter on ``sector`` shows that sector's own TOP 10 of the broker's 거래대금."""
    from support.browser import grid_rows
    from trading.sectors import SECTOR_BY_CODE

    duo.select_dcc_dropdown("#ranking-sectors", value=SECTOR_BY_CODE[sector].name_ko)
    expected = [c for c in fake.ranked() if sector_of.get(c) == sector][:10]

    def shown() -> bool:
        rows = grid_rows(duo, "ranking-grid")
        return bool(rows) and [r["code"] for r in rows[:10]] == expected

    wait_until(shown, timeout, "the sector's own TOP")
    assert all(r["sector_code"] == sector for r in grid_rows(duo, "ranking-grid"))
