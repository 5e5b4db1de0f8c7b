"""The tour's card as its callback renders it (one POST, like the browser): in English when the UI is, on
another page than the step's (「이 화면으로 이동」: resumable), hidden once finished; with a broker the order
steps are replaced by one that says why."""

from __future__ import annotations

import uuid

from fakes.fake_base import listing_universe
from fakes.fake_kis import FakeKis
from support.broker_pages import fake_credentials
from support.dash_calls import call, output


def card(app, client, state: dict, path: str | None = None) -> tuple[str, str]:  # noqa: ANN001
    """(text of the children, className) of the card for ``state`` on ``path``."""
    resp = call(app, client, "guide-state.data", {"guide-state.data": state, "url.pathname": path})
    return str(output(resp, "guide-card", "children")), output(resp, "guide-card", "className")


def test_the_card_speaks_english_resumes_from_another_page_and_hides_when_done(dash_app, client, login):
    login(client)
    client.get("/lang/en")
    text, cls = card(dash_app, client, {"status": "new", "step": 0})
    assert "New here?" in text and "Start the tour" in text and "d-none" not in cls
    state = {"status": "active", "step": 3, "code": "005930"}
    text, _ = card(dash_app, client, state, "/backtest")
    assert "④ Backtests" in text and "4 / 10" in text and "#bt-run" in text and "Next" in text
    text, _ = card(dash_app, client, state, "/ranking")  # elsewhere: no target, a button to the page
    assert "Go to this page" in text and "#bt-run" not in text
    assert card(dash_app, client, {"status": "completed", "step": 9})[1] == "guide-card d-none"
    assert card(dash_app, client, {"status": "skipped", "step": 2})[1] == "guide-card d-none"


def test_with_a_broker_the_guide_skips_the_order_and_says_why(app_settings, login):
    from app.runtime import runtime
    from app.server import create_app

    key = f"k-{uuid.uuid4().hex[:8]}"
    fake = FakeKis("mock", app_keys={key: "s"}, universe=listing_universe())
    fake.start()
    try:
        settings = app_settings.model_copy(update={"broker": "kis", **fake_credentials("kis", fake, key)})
        app = create_app(settings)
        client = app.server.test_client()
        login(client)
        state = {"status": "active", "step": 5, "code": "005930"}
        text, _ = card(app, client, state, "/trade/005930")
        assert "첫 주문은 건너뜁니다" in text and "증권사 계좌(모의투자)" in text and "7 / 7" not in text
        assert "6 / 7" in text
        last, _ = card(app, client, {**state, "step": 6}, "/trade/005930")
        assert "7 / 7" in last and "백테스트 해보기" in last
    finally:
        runtime().close()
        fake.stop()
