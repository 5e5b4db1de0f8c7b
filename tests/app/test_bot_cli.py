"""`gslts bot` as a user runs it: real subprocesses on a migrated SQLite database, the bots kept in the
database between them (no owner runs: the commands only store what the runner picks up)."""

from __future__ import annotations

import json

import pytest
from support.cli import cli_env, gslts
from support.owner import prepare_database

from db.engine import make_engine
from db.repositories import accounts as accounts_repo
from db.repositories import backtests as runs_repo
from trading.config import load_settings
from trading.orders.naming import broker_account

GOOD = ("--strategy", "ma_cross", "--params", '{"fast": 2, "slow": 4}', "--universe", "codes:005930,000660",
        "--timeframe", "1m", "--sizing", "fixed:1000000", "--stop-loss", "2", "--take-profit", "4",
        "--max-positions", "3")  # fmt: skip


@pytest.fixture(params=["sqlite", "mariadb"])
def db_url(request) -> str:  # noqa: ANN001 - pytest's request
    """A fresh database URL on SQLite, then on the MariaDB test server."""
    return request.getfixturevalue(f"{request.param}_url")


def _errors(proc) -> dict[str, str]:  # noqa: ANN001 - CompletedProcess
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)["errors"]


def test_create_list_show_start_pause_stop(db_url, tmp_path):
    prepare_database(db_url)
    env = cli_env(tmp_path, db_url)
    created = gslts(env, "bot", "create", "--name", "cross", *GOOD, "--json")
    assert created.returncode == 0, created.stderr
    bot_id = json.loads(created.stdout)["id"]
    assert json.loads(created.stdout) == {"id": bot_id, "mode": "paper", "status": "stopped"}

    listed = json.loads(gslts(env, "bot", "list", "--json").stdout)
    assert [(b["id"], b["name"], b["strategy"], b["mode"], b["status"]) for b in listed] == [
        (bot_id, "cross", "ma_cross", "paper", "stopped")
    ]
    shown = json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)
    cfg = shown["config"]
    assert cfg["params"] == {"fast": 2, "slow": 4} and cfg["universe"]["codes"] == ["005930", "000660"]
    assert cfg["exits"]["stop_loss_pct"] == 2.0 and cfg["exits"]["take_profit_pct"] == 4.0
    assert cfg["limits"]["max_positions"] == 3 and cfg["sizing"] == {
        "kind": "fixed",
        "value": 1e6,
        "atr_period": 14,
    }
    assert shown["positions"] == [] and shown["orders"] == [] and shown["pnl_today"] == 0

    refused = gslts(env, "bot", "pause", str(bot_id))  # only a running bot pauses
    assert refused.returncode == 1 and refused.stderr.strip() == "error: only a running bot can be paused"
    for action, status in (("start", "running"), ("pause", "paused"), ("stop", "stopped")):
        done = gslts(env, "bot", action, str(bot_id), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"id": bot_id, "status": status}
        assert json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)["status"] == status

    edited = gslts(env, "bot", "edit", str(bot_id), "--stop-loss", "3", "--json")
    assert json.loads(edited.stdout) == {"id": bot_id, "version": 2}, edited.stderr
    again = json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)
    assert again["version"] == 2 and again["config"]["exits"]["stop_loss_pct"] == 3.0
    assert again["config"]["params"] == {"fast": 2, "slow": 4}  # the rest of the version is kept
    missing = gslts(env, "bot", "start", "999")
    assert missing.returncode == 1 and "no bot 999" in missing.stderr


def test_bad_configs_are_refused_field_by_field(db_url, tmp_path):
    prepare_database(db_url)
    env = cli_env(tmp_path, db_url)
    bad = gslts(env, "bot", "create", "--strategy", "nope", "--universe", "codes:", "--stop-loss", "0",
                "--sizing", "fixed:-5", "--max-positions", "-1", "--json")  # fmt: skip
    errors = _errors(bad)
    assert errors == {
        "strategy": "unknown strategy 'nope'",
        "universe.codes": "the universe is empty: give at least one code",
        "exits.stop_loss_pct": "must be > 0, got 0.0",
        "limits.max_positions": "must be > 0, got -1",
        "sizing.value": "must be > 0, got '-5'",
    }
    lines = bad.stderr.splitlines()  # the same, one line per field, for people
    assert "error: exits.stop_loss_pct: must be > 0, got 0.0" in lines and len(lines) == len(errors)

    params = _errors(gslts(env, "bot", "create", "--strategy", "ma_cross", "--params", '{"fast": "x"}',
                           "--universe", "top:20", "--json"))  # fmt: skip
    assert params == {"params": "bad strategy parameters: parameter fast must be a number, got 'x'"}
    sizes = _errors(gslts(env, "bot", "create", "--strategy", "ma_cross", "--universe", "sector:NOPE:0",
                          "--sizing", "percent:150", "--trailing", "-1", "--json"))  # fmt: skip
    assert set(sizes) == {"universe.n", "universe.sector", "sizing.value", "exits.trailing_pct"}
    not_json = gslts(env, "bot", "create", "--strategy", "ma_cross", "--params", "{fast")
    assert not_json.returncode == 1 and "--params is not JSON" in not_json.stderr
    assert json.loads(gslts(env, "bot", "list", "--json").stdout) == []  # nothing was stored


def test_create_from_a_backtest_run_and_from_a_file(db_url, tmp_path):
    prepare_database(db_url)
    env = cli_env(tmp_path, db_url)
    engine = make_engine(db_url)
    config = {
        "universe": {"kind": "top", "top": 20},
        "data": "minute",
        "sizing": {"kind": "fixed", "value": 500000},
    }
    run_id = runs_repo.create_run(engine, "ma_cross", {"fast": 2, "slow": 4}, config, user="trader")
    engine.dispose()
    from_run = gslts(env, "bot", "create", "--from-run", str(run_id), "--stop-loss", "1.5", "--json")
    assert from_run.returncode == 0, from_run.stderr
    shown = json.loads(gslts(env, "bot", "show", str(json.loads(from_run.stdout)["id"]), "--json").stdout)
    cfg = shown["config"]
    assert shown["name"] == f"ma_cross #{run_id}" and cfg["params"] == {"fast": 2, "slow": 4}
    assert cfg["universe"]["kind"] == "top" and cfg["universe"]["n"] == 20 and cfg["timeframe"] == "1m"
    assert cfg["sizing"]["value"] == 500000 and cfg["exits"]["stop_loss_pct"] == 1.5

    path = tmp_path / "bot.json"
    path.write_text(json.dumps({"name": "from file", "strategy": "rsi", "universe": {"kind": "watchlist"},
                                "timeframe": "5m"}), encoding="utf-8")  # fmt: skip
    from_file = gslts(env, "bot", "create", "--config", str(path), "--json")
    assert from_file.returncode == 0, from_file.stderr
    names = {b["name"]: b["timeframe"] for b in json.loads(gslts(env, "bot", "list", "--json").stdout)}
    assert names == {f"ma_cross #{run_id}": "1m", "from file": "5m"}
    gone = gslts(env, "bot", "create", "--from-run", "999")
    assert gone.returncode == 1 and "no backtest run 999" in gone.stderr


def test_promote_needs_paper_days_a_broker_and_confirm(db_url, tmp_path):
    prepare_database(db_url)
    env = cli_env(tmp_path, db_url)
    bot_id = json.loads(gslts(env, "bot", "create", "--name", "p", *GOOD, "--json").stdout)["id"]
    early = gslts(env, "bot", "promote", str(bot_id), "real", "--confirm")
    assert early.returncode == 1
    assert early.stderr.strip() == "error: the bot has traded 0 paper day(s); 5 are needed before real"

    broker = {"BROKER": "kis", "BROKER_ENV": "mock", "KIS_APP_KEY": "k", "KIS_APP_SECRET": "s",
              "KIS_ACCOUNT": "50000000-01", "BOT_PAPER_DAYS": "0", "BROKER_FEED": "false"}  # fmt: skip
    mock_env = {**env, **broker}
    no_broker = gslts(cli_env(tmp_path, db_url, BOT_PAPER_DAYS="0"), "bot", "promote", str(bot_id), "mock")
    assert no_broker.returncode == 1 and "no mock broker account is configured" in no_broker.stderr
    settings = load_settings(database_url=db_url, broker="kis", broker_env="mock", kis_app_key="k",
                             kis_app_secret="s", kis_account="50000000-01")  # fmt: skip
    engine = make_engine(db_url)
    accounts_repo.ensure_broker_account(engine, broker_account(settings), "kis", "mock")  # binds the admins
    engine.dispose()
    unconfirmed = gslts(mock_env, "bot", "promote", str(bot_id), "mock")
    assert unconfirmed.returncode == 1
    assert (
        unconfirmed.stderr.strip() == "error: moving a bot to mock needs an explicit confirmation (--confirm)"
    )
    assert json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)["mode"] == "paper"

    done = gslts(mock_env, "bot", "promote", str(bot_id), "mock", "--confirm", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"id": bot_id, "mode": "mock", "account": "kis-mock-50000000-01"}
    shown = json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)
    assert (shown["mode"], shown["account"], shown["status"]) == ("mock", "kis-mock-50000000-01", "stopped")


def test_compare_replays_the_stored_bars_and_matches_the_bots_trades(sqlite_url, tmp_path):
    """`gslts bot compare` with no market running: the recorder's stored minute bars of the day through the
    backtest engine, matched with the bot's orders (one entry and its exit; one entry it did not make)."""
    import pandas as pd

    from db.repositories import bots as bots_repo
    from db.repositories.bars import insert_minute_bars
    from trading.bots.store import BotOrder
    from trading.domain import KST

    prepare_database(sqlite_url)
    env = cli_env(tmp_path, sqlite_url)
    plain = ("--strategy", "ma_cross", "--params", '{"fast": 2, "slow": 4}', "--universe", "codes:005930")
    bot_id = json.loads(gslts(env, "bot", "create", "--name", "c", *plain, "--json").stdout)["id"]
    engine = make_engine(sqlite_url)
    closes = [
        70000,
        70000,
        70000,
        70000,
        69000,
        68000,
        69500,
        71000,
        72000,
        71000,
        69000,
        68000,
        67500,
        67000,
    ]
    closes += [67000, 68000, 70000, 71000, 72000]
    start = pd.Timestamp("2026-12-01 09:00")
    times = [start + pd.Timedelta(minutes=i) for i in range(len(closes))]
    insert_minute_bars(engine, pd.DataFrame({"code": "005930", "time": times, "open": closes, "high": closes,
                                             "low": closes, "close": closes, "volume": 100, "value": 0}))  # fmt: skip
    store = bots_repo.SqlBotStore(engine)
    for t in times:
        store.claim_evaluations([(bot_id, t.to_pydatetime(), "paper")])
    # ma_cross(2, 4) crosses up at 09:07 and down at 09:10, up again at 09:15: the bot took the first trade only
    entry = times[7].to_pydatetime()
    for side, bar, price in (("buy", entry, closes[8]), ("sell", times[10].to_pydatetime(), closes[11])):
        o = BotOrder(bot_id, 1, f"b{bot_id}-{bar:%H%M}-{side}", "paper-u1", "005930", side, 10,
                     "entry" if side == "buy" else "signal", bar, price, "filled", "P1", 10, price * 10,
                     created_at=bar.replace(tzinfo=KST))  # fmt: skip
        store.add_order(o)
    done = gslts(env, "bot", "compare", str(bot_id), "--day", "2026-12-01", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert (got["matched"], got["missed"], got["extra"]) == (1, 1, 0), got["trades"]
    summary = {k: v for k, v in got.items() if k != "trades"}
    assert got["exits_matched"] == 1 and got["avg_slippage_won"] == 0, summary
    shown = json.loads(gslts(env, "bot", "show", str(bot_id), "--json").stdout)
    assert shown["comparisons"][0]["day"] == "2026-12-01" and shown["comparisons"][0]["missed"] == 1
    bad = gslts(env, "bot", "compare", str(bot_id), "--day", "2026-13-01")
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    engine.dispose()
