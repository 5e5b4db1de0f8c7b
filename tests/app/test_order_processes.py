"""The order path across real processes: two CLIs with one client id, a process killed after the send,
a second owner of one data dir, the real-money gate and --confirm from the CLI. KIS/Kiwoom orders go to
the fake servers (running in this test process); the paper market to the CLI's own or the app's."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import date

import httpx
import pandas as pd
import pytest
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.cli import cli_env, gslts, start
from support.owner import prepare_database
from support.private_services import free_port

from db.engine import make_engine
from db.repositories.bars import insert_daily_bars


@pytest.fixture(params=["sqlite", "mariadb"])
def url(request) -> str:
    url = request.getfixturevalue(f"{request.param}_url")
    prepare_database(url)
    return url


def broker_env(kind: str, fake, env: str = "mock", **extra: str) -> dict[str, str]:  # noqa: ANN001
    if kind == "kis":
        creds = {"KIS_APP_KEY": "k", "KIS_APP_SECRET": "s", "KIS_ACCOUNT": "12345678-01",
                 "KIS_REST_URL": fake.rest_url, "KIS_WS_URL": fake.ws_url}  # fmt: skip
    else:
        creds = {"KIWOOM_APP_KEY": "k", "KIWOOM_SECRET_KEY": "s", "KIWOOM_REST_URL": fake.rest_url,
                 "KIWOOM_WS_URL": fake.ws_url}  # fmt: skip
    # The fakes take orders any time; the gateway's own KRX-hours check would refuse them at night.
    return {"BROKER": kind, "BROKER_ENV": env, "ORDER_SESSION_CHECK": "off", **creds, **extra}


@pytest.fixture(params=["kis", "kiwoom"])
def fake(request):
    f = (FakeKis if request.param == "kis" else FakeKiwoom)("mock", app_keys={"k": "s"}).start()
    f.kind = request.param
    yield f
    f.stop()


def test_one_client_id_from_two_cli_processes_is_one_paper_order(url, tmp_path):
    env = cli_env(tmp_path, url)
    args = ("order", "buy", "005930", "1", "--market", "--client-id", "two-procs", "--json")
    a, b = start(env, *args), start(env, *args)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    ids = {json.loads(out)["order_id"] for out, _ in outs}
    assert len(ids) == 1
    listed = json.loads(gslts(env, "orders", "--all", "--json").stdout)
    assert [o["client_order_id"] for o in listed].count("two-procs") == 1


def test_one_client_id_from_two_cli_processes_is_one_broker_order(url, tmp_path, fake):
    env = cli_env(tmp_path, url, **broker_env(fake.kind, fake))
    args = ("order", "buy", "005930", "1", "--price", "69000", "--client-id", "two-procs-b", "--json")
    a, b = start(env, *args), start(env, *args)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    assert len({json.loads(out)["order_id"] for out, _ in outs}) == 1
    assert fake.order_posts == 1


def test_a_process_killed_after_the_send_is_reconciled_never_resent(url, tmp_path, fake):
    env = cli_env(tmp_path, url, **broker_env(fake.kind, fake))
    fake.hold_order_response = threading.Event()  # the broker takes the order; the answer never leaves
    proc = start(env, "order", "buy", "005930", "1", "--price", "69000", "--client-id", "killed-1", "--json")
    assert fake.order_received.wait(60), proc.stderr.read() if proc.poll() is not None else "no order"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    fake.hold_order_response.set()
    fake.hold_order_response = None
    status = gslts(env, "order-status", "killed-1", "--json")  # a new owner: reconciles at once
    assert status.returncode == 0, status.stderr
    st = json.loads(status.stdout)
    assert st["state"] == "accepted" and st["order"]["order_id"]
    again = gslts(env, "order", "buy", "005930", "1", "--price", "69000", "--client-id", "killed-1", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["order_id"] == st["order"]["order_id"]
    assert fake.order_posts == 1


def test_a_real_account_receives_nothing_from_the_cli_without_live_trading(url, tmp_path, fake):
    env = cli_env(tmp_path, url, **broker_env(fake.kind, fake, env="real"))
    fake.env = "real"
    out = gslts(env, "order", "buy", "005930", "1", "--price", "69000", "--confirm")
    assert out.returncode == 1 and "LIVE_TRADING=false" in out.stderr
    out = gslts(env, "cancel", "0000000001")
    assert out.returncode == 1 and "LIVE_TRADING=false" in out.stderr
    assert fake.order_posts == 0 and fake.revise_posts == 0


def test_a_large_paper_order_needs_confirm_from_the_cli(url, tmp_path):
    env = cli_env(tmp_path, url, ORDER_CONFIRM_AMOUNT="1000000")
    args = ("order", "buy", "005930", "100", "--market", "--json")
    refused = gslts(env, *args)
    assert refused.returncode == 1 and "--confirm" in refused.stderr
    placed = gslts(env, *args, "--confirm")
    assert placed.returncode == 0, placed.stderr
    assert json.loads(placed.stdout)["qty"] == 100


def test_a_second_app_on_one_data_dir_refuses_and_the_cli_becomes_its_client(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    prepare_database(url)
    engine = make_engine(url)  # one stored bar: the first start generates no demo history
    row = {"code": "005930", "day": date(2026, 11, 27), "open": 70000, "high": 70500, "low": 69500,
           "close": 70000, "volume": 10, "value": 700000}  # fmt: skip
    insert_daily_bars(engine, pd.DataFrame([row]))
    engine.dispose()
    env = cli_env(tmp_path, url, ADMIN_PASSWORD="admin-password-1")
    port = free_port()
    app = start(env, "run", "--port", str(port))
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"gslts run did not start: {app.stderr.read() if app.poll() is not None else ''}")
        second = gslts(env, "run", "--port", str(free_port()))
        assert second.returncode == 1 and "owns the market" in second.stderr and f":{port}" in second.stderr
        placed = gslts(env, "order", "buy", "005930", "1", "--market", "--json")  # through the running app
        assert placed.returncode == 0, placed.stderr
        assert json.loads(placed.stdout)["filled_qty"] == 1
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(30)
