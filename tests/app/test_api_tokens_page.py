"""The API token page in Chromium, then the token over HTTP: create (shown once), use it against
/api/v1, revoke it (the API refuses it at once); the CLI lists and revokes the same tokens as JSON."""

from __future__ import annotations

import json

import requests
from conftest import TEST_USER
from support.cli import cli_env, gslts


def test_create_use_and_revoke_a_token_on_the_page(dash_app, browser_login):
    duo = browser_login(dash_app)
    duo.wait_for_element("#nav-user", timeout=15)
    duo.find_element("#nav-tokens").click()
    duo.wait_for_text_to_equal("h1", "API 토큰", timeout=15)
    duo.wait_for_text_to_equal("#token-none", "토큰이 없습니다", timeout=10)
    duo.find_element("#token-create").click()
    duo.wait_for_contains_text("#token-feedback", "이름은 1~60자여야 합니다", timeout=10)
    duo.find_element("#token-name").send_keys("주문 스크립트")
    duo.find_element("#token-create").click()
    secret = duo.wait_for_element("#token-secret-value", timeout=10).text
    assert secret.startswith("gslts_")
    duo.wait_for_contains_text("#token-table", "주문 스크립트", timeout=10)
    assert secret not in duo.find_element("#token-table").text  # listed by its prefix only

    api = duo.server.url + "/api/v1"
    headers = {"Authorization": f"Bearer {secret}"}
    assert requests.get(f"{api}/balance", headers=headers, timeout=10).status_code == 200
    order = {"code": "005930", "side": "buy", "qty": 1, "price": 1000}
    refused = requests.post(f"{api}/orders", json=order, headers=headers, timeout=10)
    assert refused.status_code == 403 and refused.json()["reason"] == "INSUFFICIENT_SCOPE"  # read only

    duo.find_element("#token-table button").click()
    duo.wait_for_contains_text("#token-feedback", "폐기했습니다", timeout=10)
    duo.wait_for_text_to_equal("#token-none", "토큰이 없습니다", timeout=10)
    assert requests.get(f"{api}/balance", headers=headers, timeout=10).status_code == 401


def test_the_cli_creates_lists_and_revokes_tokens(sqlite_url, tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.repositories.users import add_user

    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    add_user(engine, TEST_USER, "test-password-1", role="trader")
    engine.dispose()
    env = cli_env(tmp_path, sqlite_url)
    made = gslts(env, "token", "create", "bot", "--scopes", "read,trade", "--json")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["token"].startswith("gslts_") and created["scopes"] == ["read", "trade"]
    listed = json.loads(gslts(env, "token", "list", "--json").stdout)
    assert [(r["id"], r["name"], r["user"]) for r in listed] == [(created["id"], "bot", TEST_USER)]
    assert "token" not in listed[0]  # never shown again
    revoked = json.loads(gslts(env, "token", "revoke", str(created["id"]), "--json").stdout)
    assert revoked["revoked_at"] is not None and revoked["id"] == created["id"]
