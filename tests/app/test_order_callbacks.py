"""The trade page's order callbacks under crafted requests, and login sessions: the server, not the
browser, decides — a viewer places nothing, a large order needs the token the server issued for it, a
real account with LIVE_TRADING=false receives nothing, and an old cookie dies with logout or a new
password."""

from __future__ import annotations

import json
import re

import pytest
from fakes.fake_kis import FakeKis
from sqlalchemy import func, select
from support.dash_calls import call, output

from db.models import OrderIntent
from db.repositories.users import add_user, set_password

CODE = "005930"


def _order_values(**extra: object) -> dict:
    base = {
        "order-side.value": "buy",
        "order-type.value": "limit",
        "order-qty.value": 1,
        "trade-code.data": CODE,
        "trade-nonce.data": "crafted",
        "trade-acct.data": {},
    }
    return base | extra


def _intents(app) -> int:  # noqa: ANN001
    from app.runtime import runtime

    with runtime().engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OrderIntent)).scalar()


def _price() -> int:
    from app.runtime import runtime

    return runtime().reader(None).order_book(CODE).bids[-1].price


@pytest.fixture
def trade_app(paper_dash_app, app_settings):
    from db.engine import make_engine

    engine = make_engine(app_settings.database_url)
    add_user(engine, "viewer", "viewer-password-1", role="viewer")
    engine.dispose()
    return paper_dash_app


def test_a_viewers_crafted_order_places_nothing(trade_app, login):
    client = trade_app.server.test_client()
    login(client, "viewer", "viewer-password-1")
    before = _intents(trade_app)
    resp = call(trade_app, client, "order-submit.n_clicks",
                _order_values(**{"order-submit.n_clicks": 1, "order-price.value": _price()}))  # fmt: skip
    assert "주문 권한이 없습니다" in json.dumps(
        output(resp, "order-feedback", "children"), ensure_ascii=False
    )
    assert _intents(trade_app) == before
    page = client.get("/_dash-layout")  # the page shows the panel disabled, the server refuses anyway
    assert page.status_code == 200


def test_a_large_order_without_its_token_is_refused(trade_app, login):
    from app.runtime import runtime

    client = trade_app.server.test_client()
    login(client)
    price = _price()
    qty = runtime().settings.order_confirm_amount // price + 1
    pending = {"code": CODE, "side": "buy", "qty": qty, "type": "limit", "price": price, "cid": "crafted-1",
               "token": "9999999999.0123456789abcdef"}  # fmt: skip
    before = _intents(trade_app)
    resp = call(trade_app, client, "order-confirm-ok.n_clicks",
                _order_values(**{"order-confirm-ok.n_clicks": 1, "order-pending.data": pending}))  # fmt: skip
    assert "확인이 필요한 주문입니다" in json.dumps(
        output(resp, "order-feedback", "children"), ensure_ascii=False
    )
    assert _intents(trade_app) == before
    # The token of another order (the same order but one share more) does not carry over either.
    resp = call(trade_app, client, "order-submit.n_clicks",
                _order_values(**{"order-submit.n_clicks": 1, "order-price.value": price, "order-qty.value": qty + 1}))  # fmt: skip
    issued = output(resp, "order-pending", "data")
    assert issued and issued["token"]
    forged = issued | {"qty": qty}
    resp = call(trade_app, client, "order-confirm-ok.n_clicks",
                _order_values(**{"order-confirm-ok.n_clicks": 1, "order-pending.data": forged}))  # fmt: skip
    assert "확인이 필요한 주문입니다" in json.dumps(
        output(resp, "order-feedback", "children"), ensure_ascii=False
    )
    assert _intents(trade_app) == before
    # With the token it was issued with, the order runs once.
    resp = call(trade_app, client, "order-confirm-ok.n_clicks",
                _order_values(**{"order-confirm-ok.n_clicks": 1, "order-pending.data": issued}))  # fmt: skip
    assert "주문 접수" in json.dumps(output(resp, "order-feedback", "children"), ensure_ascii=False)
    assert _intents(trade_app) == before + 1


def _session_cookie(client) -> str:  # noqa: ANN001
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_an_old_session_cookie_dies_with_logout(dash_app, login):
    a = dash_app.server.test_client()
    login(a)
    stolen = _session_cookie(a)
    page = a.get("/stocks")
    token = re.search(r"gslts_csrf=([^;]+)", ";".join(page.headers.getlist("Set-Cookie"))).group(1)
    assert a.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    b = dash_app.server.test_client()
    b.set_cookie("session", stolen)
    assert b.get("/stocks").status_code == 302  # back to the login page
    assert b.post("/_dash-update-component", json={}).status_code == 401


def test_an_old_session_cookie_dies_with_a_password_change(dash_app, app_settings, login):
    from db.engine import make_engine

    a = dash_app.server.test_client()
    login(a)
    assert a.get("/stocks").status_code == 200
    engine = make_engine(app_settings.database_url)
    set_password(engine, "trader", "a-new-password-9")
    engine.dispose()
    from app import auth

    auth._user_cache.clear()  # another process changed it: this worker's 1 s cache would notice too
    assert a.get("/stocks").status_code == 302


@pytest.fixture
def real_kis_app(app_settings):
    """An embedded app connected to a (fake) real KIS account with LIVE_TRADING=false."""
    from app.runtime import runtime
    from app.server import create_app

    fake = FakeKis("real", app_keys={"k": "s"}).start()
    settings = app_settings.model_copy(
        update={
            "broker": "kis",
            "broker_env": "real",
            "live_trading": False,
            "order_session_check": "off",
            "kis_app_key": "k",
            "kis_app_secret": "s",
            "kis_account": "12345678-01",
            "kis_rest_url": fake.rest_url,
            "kis_ws_url": fake.ws_url,
        }  # fmt: skip
    )
    from pydantic import SecretStr

    settings = settings.model_copy(update={"kis_app_key": SecretStr("k"), "kis_app_secret": SecretStr("s")})
    app = create_app(settings)
    yield app, fake
    runtime().close()
    fake.stop()


def test_a_real_account_receives_nothing_from_the_page_without_live_trading(real_kis_app, login):
    app, fake = real_kis_app
    client = app.server.test_client()
    login(client)
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "실전 차단" in layout and "실전(LIVE)" not in layout  # the badge tells the truth
    resp = call(app, client, "order-submit.n_clicks",
                _order_values(**{"order-submit.n_clicks": 1, "order-price.value": 69000}))  # fmt: skip
    assert "LIVE_TRADING=false" in json.dumps(output(resp, "order-feedback", "children"), ensure_ascii=False)
    pending = {
        "code": CODE,
        "side": "buy",
        "qty": 1,
        "type": "limit",
        "price": 69000,
        "cid": "x-1",
        "token": None,
    }
    resp = call(app, client, "order-confirm-ok.n_clicks",
                _order_values(**{"order-confirm-ok.n_clicks": 1, "order-pending.data": pending}))  # fmt: skip
    assert "LIVE_TRADING=false" in json.dumps(output(resp, "order-feedback", "children"), ensure_ascii=False)
    assert fake.order_posts == 0 and fake.revise_posts == 0


def test_pressing_order_again_after_an_unknown_outcome_reuses_its_client_id(trade_app, login):
    """결과 확인 중: the page keeps the order's client id; the same order pressed again is that order."""
    from support.orders import ctx_for

    from app.runtime import runtime
    from trading.domain import OrderRequest, OrderType, Side

    client = trade_app.server.test_client()
    login(client)
    price = _price()
    first = runtime().gateway().place(OrderRequest(CODE, Side.BUY, 1, OrderType.LIMIT, price, "page-retry-1"),
                                      ctx_for("trader"))  # fmt: skip
    retry = {"cid": "page-retry-1", "req": {"code": CODE, "side": "buy", "qty": 1, "type": "limit",
                                            "price": price, "cid": "page-retry-1"}}  # fmt: skip
    before = _intents(trade_app)
    resp = call(trade_app, client, "order-submit.n_clicks",
                _order_values(**{"order-submit.n_clicks": 7, "order-price.value": price, "order-retry.data": retry}))  # fmt: skip
    assert "주문 접수" in json.dumps(output(resp, "order-feedback", "children"), ensure_ascii=False)
    assert _intents(trade_app) == before  # the same order, not a second one
    assert [o.order_id for o in runtime().reader(ctx_for("trader").account).open_orders()].count(
        first.order_id
    ) == 1
    # A different order pressed next is a new client id.
    resp = call(trade_app, client, "order-submit.n_clicks",
                _order_values(**{"order-submit.n_clicks": 8, "order-price.value": price, "order-qty.value": 2,
                                 "order-retry.data": retry}))  # fmt: skip
    assert _intents(trade_app) == before + 1


def test_modify_and_cancel_an_open_order_through_the_dialog(trade_app, login):
    """정정: the dialog opens with the order, 정정 주문 changes it through the gateway; 취소 cancels it."""
    from support.orders import account_reads, ctx_for

    from app.runtime import runtime
    from trading.domain import OrderRequest, OrderType, Side
    from trading.krx import move_ticks

    client = trade_app.server.test_client()
    login(client)
    price = _price()
    order = runtime().gateway().place(OrderRequest(CODE, Side.BUY, 2, OrderType.LIMIT, price, "page-modify-1"),
                                      ctx_for("trader"))  # fmt: skip
    action = {"action": "modify", "order_id": order.order_id, "t": 1}
    resp = call(
        trade_app, client, "trade-action.data", {"trade-action.data": action, "trade-code.data": CODE}
    )
    assert output(resp, "oo-modal", "is_open") is True
    held = output(resp, "oo-modal-order", "data")
    assert held["order_id"] == order.order_id and held["price"] == price and held["cid"]
    assert output(resp, "oo-modal-price", "value") == price and output(resp, "oo-modal-qty", "value") == 2

    lower = move_ticks(price, -1, market="KOSPI")
    resp = call(trade_app, client, "oo-modal-ok.n_clicks",
                {"oo-modal-ok.n_clicks": 1, "oo-modal-order.data": held, "oo-modal-price.value": lower,
                 "oo-modal-qty.value": 2, "trade-code.data": CODE, "trade-acct.data": {}})  # fmt: skip
    assert output(resp, "oo-modal", "is_open") is False and output(resp, "oo-modal-token", "data") is None
    assert "주문 정정" in json.dumps(output(resp, "trade-toasts", "children"), ensure_ascii=False)
    mine = [o for o in account_reads("trader").open_orders() if o.code == CODE]
    assert [(o.price, o.remaining_qty) for o in mine] == [(lower, 2)]

    cancel = {"action": "cancel", "order_id": mine[0].order_id, "t": 2}
    resp = call(
        trade_app, client, "trade-action.data", {"trade-action.data": cancel, "trade-code.data": CODE}
    )
    assert "주문 취소" in json.dumps(output(resp, "trade-toasts", "children"), ensure_ascii=False)
    assert output(resp, "oo-modal", "is_open") is None  # the dialog is left alone
    assert not [o for o in account_reads("trader").open_orders() if o.code == CODE]

    resp = call(trade_app, client, "oo-modal-cancel.n_clicks", {"oo-modal-cancel.n_clicks": 1})
    assert output(resp, "oo-modal", "is_open") is False and output(resp, "oo-modal-order", "data") is None


def test_price_and_quantity_buttons(trade_app, login):
    from trading.krx import move_ticks

    client = trade_app.server.test_client()
    login(client)
    price = _price()
    values = _order_values(**{"order-price.value": price, "order-qty.value": 3})
    resp = call(trade_app, client, "order-qty-plus.n_clicks", values | {"order-qty-plus.n_clicks": 1})
    assert output(resp, "order-qty", "value") == 4 and output(resp, "order-price", "value") is None
    resp = call(trade_app, client, "order-qty-minus.n_clicks", values | {"order-qty-minus.n_clicks": 1})
    assert output(resp, "order-qty", "value") == 2
    resp = call(trade_app, client, "order-price-up.n_clicks", values | {"order-price-up.n_clicks": 1})
    assert output(resp, "order-price", "value") == move_ticks(price, 1, market="KOSPI")
    assert output(resp, "order-qty", "value") is None
