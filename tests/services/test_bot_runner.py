"""The bot runner in a real account owner on the simulated KRX market (SQLite and MariaDB): it trades what
the backtest trades on the same bars, never re-orders a sticky signal, reconciles after a restart (and
halts on a mismatch), halts with the kill switch, escalates a stale feed, and evaluates a bar once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from support.metrics import metric_sum
from support.owner import owner_settings, start_test_owner
from support.wait import wait_for

from db.engine import make_engine
from db.repositories import bots as repo
from db.repositories.accounts import ensure_paper_account, set_limits
from services import bot_admin
from services.bots import OwnerAccounts, PaperFeed, resolve_universe, start_bot_runner
from trading.bots.compare import backtest_trades, compare
from trading.bots.config import Exits
from trading.bots.runner import BotRunner
from trading.bots.store import BotStatus
from trading.domain import OrderRequest, OrderType, Side
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from workers.bot_jobs import bars_frame, compare_bot

PARAMS = {"fast": 2, "slow": 4}
TRADER = "trader"  # user 1, admin: paper-u1


@pytest.fixture(autouse=True)
def _no_bot_left_running(db_url):
    """The database is shared by the module's tests: a test's bots must not trade in the next one."""
    yield
    engine = make_engine(db_url)
    try:
        for bot in repo.list_bots(engine):
            if bot.status in ("running", "paused"):
                repo.set_status(engine, bot.id, BotStatus.STOPPED, "test over", "test")
    finally:
        engine.dispose()


def _owner(tmp_path, db_url, speed: float = 300.0, bots: bool = True, **parts):
    settings = owner_settings(
        tmp_path, db_url, market_speed=speed, paper_initial_cash=10**10, bots_enabled=bots
    )
    owner = start_test_owner(settings, **parts)
    ensure_paper_account(owner.engine, 1, settings.paper_initial_cash)
    set_limits(owner.engine, "paper-u1", max_order_qty=10**6, max_order_amount=10**12,
               max_orders_per_minute=100_000)  # fmt: skip
    owner.directory.forget()
    return settings, owner


def _bot(owner, settings, codes, **extra) -> int:
    raw = {"name": "test bot", "strategy": "ma_cross", "params": PARAMS,
           "universe": {"kind": "codes", "codes": codes}, "timeframe": "1m",
           "sizing": {"kind": "fixed", "value": 1_000_000}, "limits": {"max_positions": 100}, **extra}  # fmt: skip
    return bot_admin.create(owner.engine, settings, TRADER, raw)


def _settle(owner, bot_id: int) -> None:
    assert wait_for(lambda: not [o for o in owner.bots.open.values() if o.bot_id == bot_id], timeout=20)


def _codes(owner, n: int) -> list[str]:
    return [r.code for r in owner.reader(None).ranking(n)]


def test_the_runner_trades_what_the_backtest_trades_on_the_same_bars(db_url, tmp_path):
    """A simulated session, stepped by hand (10 s of market time a step), the runner processing each step:
    the same entries and exits as ``run_backtest`` on the same bars, filled near the backtest's prices."""
    settings, owner = _owner(tmp_path, db_url, speed=1.0, bots=False)
    owner.market.stop()  # the test steps the market
    port = OwnerAccounts(owner)
    runner = BotRunner(repo.SqlBotStore(owner.engine), owner.gateway, port, PaperFeed(owner.market),
                       resolve_universe(owner.engine, port.market_data)).attach()  # fmt: skip
    try:
        codes = _codes(owner, 6)
        bot_id = _bot(owner, settings, codes)
        bot_admin.set_status(owner.engine, TRADER, bot_id, "start")
        t = owner.market.clock.now()
        for _ in range(6 * 45):  # 45 minutes
            t += timedelta(seconds=10)
            owner.market.step(t)
            runner.process()
        runner.sync_orders()
        runner._flush()
        evals = repo.evaluations(owner.engine, bot_id)
        assert len(evals) >= 40
        first, last = evals[0][0], evals[-1][0]
        assert [e[0] for e in evals] == sorted({e[0] for e in evals})  # one evaluation per bar
        bars = {}
        for code in codes:
            frame = bars_frame(owner.reader(None).minute_bars(code, owner.market.sim.day, 1))
            bars[code] = frame[frame.index.tz_localize(None) <= last]
        trades = backtest_trades(bars, "ma_cross", PARAMS, Exits(), start=first)
        trades = [t for t in trades if t["entry_signal"] < last]  # the last bar's entry fills after it
        for t in trades:
            if t["exit_signal"] is not None and t["exit_signal"] >= last:
                t["exit_signal"] = None
        live = [
            o
            for o in repo.bot_orders(owner.engine, bot_id, 10_000)
            if o.bar_time is None or o.bar_time < last
        ]
        result = compare(live, trades)
        assert result["matched"] >= 5, result
        assert (result["missed"], result["extra"]) == (0, 0), [
            r for r in result["trades"] if r["status"] != "matched"
        ]
        assert result["exits_matched"] >= 3 and result["exits_missed"] == 0 and result["exits_extra"] == 0, (
            result
        )
        assert abs(result["avg_slippage_bps"]) < 100  # the market order fills near the next bar's open
        # the evening job does the same from the market's bars and stores it for /auto
        stored = compare_bot(owner.engine, owner.reader(None), bot_id, owner.market.sim.day)
        assert stored is not None and (stored["matched"], stored["missed"], stored["extra"]) == (
            result["matched"], 0, 0)  # fmt: skip
        assert repo.comparisons(owner.engine, bot_id)[0][1]["matched"] == result["matched"]
        kinds = {d.kind for d in repo.decisions(owner.engine, bot_id, 1000)}
        assert {"signal", "order", "fill", "state"} <= kinds
    finally:
        owner.close()


def test_a_sticky_signal_never_orders_twice_and_every_order_is_once(db_url, tmp_path):
    settings, owner = _owner(tmp_path, db_url)
    try:
        codes = _codes(owner, 4)
        bot_id = _bot(owner, settings, codes)
        evaluated = metric_sum("gslts_bot_evaluations_total")
        bot_admin.set_status(owner.engine, TRADER, bot_id, "start")
        assert wait_for(lambda: repo.evaluation_count(owner.engine, bot_id) >= 20, timeout=60)
        # /metrics counts them (a claimed bar's row exists before its evaluation is counted)
        assert wait_for(lambda: metric_sum("gslts_bot_evaluations_total") - evaluated >= 20, timeout=10)
        bot_admin.set_status(owner.engine, TRADER, bot_id, "stop")
        _settle(owner, bot_id)
        orders = sorted(repo.bot_orders(owner.engine, bot_id, 10_000), key=lambda o: o.created_at)
        by_code: dict[str, list[str]] = {}
        for o in orders:
            by_code.setdefault(o.code, []).append(o.side)
        for sides in by_code.values():  # buy, sell, buy, sell …: never two entries in a row
            assert all(a != b for a, b in zip(sides, sides[1:], strict=False)), sides
        assert len({o.client_order_id for o in orders}) == len(orders)
        # a second claim of an evaluated bar is refused: the bar is evaluated once, whoever asks
        bar = repo.evaluations(owner.engine, bot_id)[-1][0]
        assert repo.SqlBotStore(owner.engine).claim_evaluation(bot_id, bar, "paper") is False
    finally:
        owner.close()


def test_claims_race_from_many_threads_and_one_wins(db_url, tmp_path):
    settings, owner = _owner(tmp_path, db_url, speed=1.0)
    try:
        bot_id = _bot(owner, settings, ["005930"])
        store = repo.SqlBotStore(owner.engine)
        bar = owner.market.clock.now().replace(second=0, microsecond=0)
        wins: list[bool] = []
        threads = [threading.Thread(target=lambda: wins.append(store.claim_evaluation(bot_id, bar, "paper")))
                   for _ in range(8)]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(wins) == [False] * 7 + [True]
    finally:
        owner.close()


def _first_position(owner, bot_id: int, timeout: float = 60):
    assert wait_for(lambda: owner.bots.positions.get(bot_id), timeout=timeout)
    code, pos = next(iter(owner.bots.positions[bot_id].items()))
    return code, pos


def test_a_restart_reconciles_and_does_not_buy_again_and_a_mismatch_halts(db_url, tmp_path):
    settings, owner = _owner(tmp_path / "a", db_url)
    try:
        bot_id = _bot(owner, settings, _codes(owner, 6), limits={"max_positions": 1})
        bot_admin.set_status(owner.engine, TRADER, bot_id, "start")
        code, pos = _first_position(owner, bot_id)
        _settle(owner, bot_id)
    finally:
        owner.close()
    entries_before = [o for o in repo.bot_orders(owner.engine, bot_id) if o.side == "buy"]
    # the restart: the bot is still "running"; the new runner reconciles before it trades
    settings, again = _owner(tmp_path / "b", db_url)
    try:
        assert wait_for(lambda: bot_id in again.bots._ready, timeout=20)
        held = again.bots.positions[bot_id]
        if code in held:  # (an exit may have sold it before the restart)
            assert held[code].qty == pos.qty
        log = lambda: repo.decisions(again.engine, bot_id, 50)  # noqa: E731
        assert wait_for(
            lambda: any(d.kind == "state" and "reconciled" in d.message_en for d in log()), timeout=5
        )
        time.sleep(2)
        buys = [o for o in repo.bot_orders(again.engine, bot_id) if o.side == "buy" and o.code == code]
        assert len(buys) == len(
            [o for o in entries_before if o.code == code]
        )  # no second buy after the restart
        bot_admin.set_status(again.engine, TRADER, bot_id, "stop")
        assert wait_for(lambda: bot_id not in again.bots.bots, timeout=10)
        # the user sells the bot's shares by hand while the bot is stopped
        held_now = repo.SqlBotStore(again.engine).positions(bot_id)
        assert held_now
        ctx = OrderContext(Actor(TRADER, Role.ADMIN), "paper-u1", EntryPoint.PAGE)
        account = again.reader("paper-u1")
        for p in held_now:  # everything the account holds of the bot's stocks
            have = sum(h.qty for h in account.balance().positions if h.code == p.code)
            again.gateway.place(OrderRequest(p.code, Side.SELL, have, OrderType.MARKET), ctx)
        codes = {p.code for p in held_now}
        assert wait_for(lambda: not [h for h in account.balance().positions if h.code in codes], timeout=20)
        bot_admin.set_status(again.engine, TRADER, bot_id, "start")
        assert wait_for(lambda: repo.get_bot(again.engine, bot_id).status == "halted", timeout=20)
        bot = repo.get_bot(again.engine, bot_id)
        assert "reconcile mismatch" in bot.status_reason and "계좌와 대조 불일치" in bot.status_reason
    finally:
        again.close()


def test_the_kill_switch_halts_the_bots_and_cancels_everything(db_url, tmp_path):
    settings, owner = _owner(tmp_path, db_url)
    try:
        bot_id = _bot(owner, settings, _codes(owner, 6))
        bot_admin.set_status(owner.engine, TRADER, bot_id, "start")
        _first_position(owner, bot_id)
        ctx = OrderContext(Actor(TRADER, Role.ADMIN), "paper-u1", EntryPoint.PAGE)
        bid = owner.reader(None).order_book("005930").bids[-1].price
        owner.gateway.place(OrderRequest("005930", Side.BUY, 1, OrderType.LIMIT, bid), ctx)
        kills = metric_sum("gslts_kill_switch_total", account="paper-u1")
        report = owner.gateway.kill(ctx, "test kill")
        assert report.state == "halted" and report.cancelled
        assert metric_sum("gslts_kill_switch_total", account="paper-u1") == kills + 1
        assert metric_sum("gslts_account_risk_state", account="paper-u1") == 2  # halted
        assert repo.get_bot(owner.engine, bot_id).status == "halted"
        assert not owner.reader("paper-u1").open_orders()
        assert wait_for(lambda: bot_id not in owner.bots.bots, timeout=5)
        buys = lambda: [o for o in repo.bot_orders(owner.engine, bot_id, 10_000) if o.side == "buy"]  # noqa: E731
        n = len(buys())
        time.sleep(3)  # minutes of market time: no new entry
        assert len(buys()) == n
        assert all(o.state != "rejected" or o.reason != "HALTED" for o in buys())  # none even tried
        with pytest.raises(bot_admin.BotActionError):
            bot_admin.set_status(owner.engine, TRADER, bot_id, "start")  # only a resume of the account first
    finally:
        owner.gateway.set_risk_state(
            OrderContext(Actor(TRADER, Role.ADMIN), "paper-u1", EntryPoint.CLI), "active"
        )
        owner.close()


class QuietFeed(PaperFeed):
    """The paper market's feed that goes quiet for the stocks in ``mute`` (a lost websocket)."""

    mute: set[str]

    def watch(self, codes, on_tick):
        def relay(tick):
            if tick.code not in self.mute:
                on_tick(tick)

        super().watch(codes, relay)


LONG_FROM = """
import pandas as pd
from trading.strategies import strategy

@strategy("long_from", params={"minute": 0})
def long_from(data: pd.DataFrame, minute: int = 0) -> pd.Series:
    \"\"\"Long from the bar that starts at ``minute`` of the day on: one crossing, never a sell.\"\"\"
    idx = data.index
    return pd.Series((idx.hour * 60 + idx.minute >= minute).astype(float), index=idx)
"""


def test_a_stale_feed_alerts_then_exits_as_the_policy_says(db_url, tmp_path, monkeypatch):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "long_from.py").write_text(LONG_FROM)
    monkeypatch.setenv("GSLTS_STRATEGIES_DIR", str(folder))
    settings, owner = _owner(tmp_path, db_url, speed=120.0, bots=False)
    feed = QuietFeed(owner.market)
    feed.mute = set()
    owner.bots = start_bot_runner(owner, feed=feed)
    try:
        now = owner.market.clock.now()
        bot_id = _bot(owner, settings, _codes(owner, 3), strategy="long_from",
                      params={"minute": now.hour * 60 + now.minute + 2},
                      stale={"alert_after_s": 1.0, "exit_after_s": 3.0}, limits={"max_positions": 1})  # fmt: skip
        bot_admin.set_status(owner.engine, TRADER, bot_id, "start")
        code, _ = _first_position(owner, bot_id)
        _settle(owner, bot_id)
        feed.mute.add(code)
        assert wait_for(lambda: (owner.bots.feed_age(bot_id) or 0) > 1.0, timeout=10)
        log = lambda: repo.decisions(owner.engine, bot_id, 200)  # noqa: E731
        assert wait_for(lambda: any(d.kind == "alert" and d.code == code for d in log()), timeout=10)
        assert wait_for(lambda: any(o.purpose == "stale" and o.code == code
                                    for o in repo.bot_orders(owner.engine, bot_id)), timeout=10)  # fmt: skip
        assert wait_for(lambda: any(d.kind == "exit" and d.reason == "stale" for d in log()), timeout=5)
        alert = next(d for d in log() if d.kind == "alert" and d.code == code)
        exit_ = next(d for d in log() if d.kind == "exit" and d.reason == "stale")
        assert alert.time <= exit_.time and alert.reason == "STALE_FEED"
        assert wait_for(lambda: code not in owner.bots.positions.get(bot_id, {}), timeout=20)  # sold
    finally:
        owner.close()
