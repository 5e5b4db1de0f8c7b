"""/auto's callbacks under crafted requests: the server decides — a viewer starts, promotes, creates or
edits nothing whatever the browser sends, and 전환 asks for the confirmation only when the move is allowed and moves
the bot only on it."""

from __future__ import annotations

import pytest
from support.dash_calls import call, output
from support.owner import PASSWORD, prepare_database

BROKER = {"broker": "kis", "broker_env": "mock", "kis_app_key": "k", "kis_app_secret": "s",
          "kis_account": "50000000-01", "broker_feed": False}  # fmt: skip


def _app(tmp_path, monkeypatch, **settings: object):  # noqa: ANN001, ANN202
    from app.runtime import runtime
    from app.server import create_app
    from db.repositories import accounts as accounts_repo
    from services import bot_admin
    from trading.config import load_settings
    from trading.orders.naming import broker_account

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    prepare_database(url)
    s = load_settings(database_url=url, data_dir=tmp_path / "data", redis_url=None, **settings)
    app = create_app(s)
    rt = runtime()
    if s.broker != "paper":
        accounts_repo.ensure_broker_account(rt.engine, broker_account(s), s.broker, s.broker_env)
    raw = {"name": "b", "strategy": "ma_cross", "universe": {"kind": "codes", "codes": ["005930"]}}
    return app, bot_admin.create(rt.engine, rt.settings, "trader", raw)


@pytest.fixture
def cleanup():
    yield
    from app.runtime import runtime

    runtime().close()


def _bot(bot_id: int):  # noqa: ANN202
    from app.runtime import runtime
    from db.repositories import bots as repo

    return repo.get_bot(runtime().engine, bot_id)


def test_promote_asks_only_when_allowed_and_moves_only_on_the_confirmation(
    tmp_path, monkeypatch, login, cleanup
):
    app, bot_id = _app(tmp_path, monkeypatch, bot_paper_days=0, **BROKER)
    client = app.server.test_client()
    login(client, "trader", PASSWORD)
    state = {"auto-selected.data": bot_id, "auto-promote-mode.value": "real"}

    refused = call(app, client, "auto-promote.n_clicks", {"auto-promote.n_clicks": 1, **state})
    assert output(refused, "auto-promote-confirm", "displayed") is None
    assert "real 증권사 계좌가 설정되어 있지 않습니다" in str(output(refused, "auto-message", "children"))

    state["auto-promote-mode.value"] = "mock"
    asked = call(app, client, "auto-promote.n_clicks", {"auto-promote.n_clicks": 2, **state})
    assert output(asked, "auto-promote-confirm", "displayed") is True
    assert "모의투자 계좌로 전환합니다" in output(asked, "auto-promote-confirm", "message")
    assert _bot(bot_id).mode == "paper"  # asking moves nothing

    done = call(app, client, "auto-promote-confirm.submit_n_clicks", {"auto-promote-confirm.submit_n_clicks": 1,
                                                                      **state})  # fmt: skip
    assert "kis-mock-50000000-01 계좌로 전환되었습니다" in str(output(done, "auto-message", "children"))
    bot = _bot(bot_id)
    assert (bot.mode, bot.account, bot.status) == ("mock", "kis-mock-50000000-01", "stopped")


def test_a_viewers_crafted_requests_change_nothing(tmp_path, monkeypatch, login, cleanup):
    app, bot_id = _app(tmp_path, monkeypatch)
    client = app.server.test_client()
    login(client, "viewer", PASSWORD)
    selected = {"auto-selected.data": bot_id, "auto-promote-mode.value": "mock"}
    started = call(app, client, "auto-start.n_clicks", {"auto-start.n_clicks": 1, **selected})
    assert f"봇 {bot_id}을(를) 찾을 수 없습니다" in str(output(started, "auto-message", "children"))
    promoted = call(app, client, "auto-promote-confirm.submit_n_clicks",
                    {"auto-promote-confirm.submit_n_clicks": 1, **selected})  # fmt: skip
    assert f"봇 {bot_id}을(를) 찾을 수 없습니다" in str(output(promoted, "auto-message", "children"))
    from app.runtime import runtime
    from services import bot_admin

    rt, raw = runtime(), {"name": "mine", "strategy": "ma_cross", "universe": {"kind": "top", "n": 10}}
    with pytest.raises(bot_admin.BotActionError, match="viewers cannot create bots"):
        bot_admin.create(rt.engine, rt.settings, "viewer", raw)
    with pytest.raises(bot_admin.BotActionError, match=f"no bot {bot_id}"):
        bot_admin.edit(rt.engine, "viewer", bot_id, raw)
    bot = _bot(bot_id)
    assert (bot.status, bot.mode, bot.version) == ("stopped", "paper", 1)
    assert [b.id for b in bot_admin.list_for(rt.engine, "viewer")] == [bot_id]  # viewers see every bot
