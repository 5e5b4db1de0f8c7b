"""A bot on a Kiwoom account, end to end against the fake Kiwoom: promoted from paper to the broker's mock
account, its buy signal becomes a market order through the gateway to the broker, the fill is followed
from the broker's order inquiry, and a tick under the stop sells; on a real account with LIVE_TRADING off
the same signal is denied with its typed reason and the broker receives nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fakes.fake_kiwoom import FakeKiwoom
from support.owner import owner_settings, prepare_database, start_test_owner

from db.repositories import bots as repo
from services import bot_admin
from services.bots import OwnerAccounts
from trading.bots.runner import BotRunner
from trading.brokers.common.rate_limit import LocalRateLimiter
from trading.brokers.common.token_store import FileTokenStore
from trading.brokers.kiwoom import KiwoomBroker
from trading.domain import KST, Bar, Tick
from trading.market.clock import RealClock

CODE = "005930"  # the fake prices it at 70,000
START = datetime(2026, 11, 30, 10, 0, tzinfo=KST)  # a Monday session


class ManualFeed:
    """A live feed the test drives: its clock, the ticks, the pulses."""

    def __init__(self) -> None:
        self.t = START
        self.on_tick: Callable[[Tick], None] = lambda tick: None
        self.pulse: Callable[[], None] = lambda: None
        self.seq = 0

    def now(self) -> datetime:
        return self.t

    def is_open(self) -> bool:
        return True

    def watch(self, codes: frozenset[str], on_tick: Callable[[Tick], None]) -> None:
        self.on_tick = on_tick

    def on_pulse(self, callback: Callable[[], None]) -> None:
        self.pulse = callback

    def close(self) -> None:
        pass

    def tick(self, price: int, at: datetime) -> None:
        self.seq += 1
        self.on_tick(Tick(CODE, at, self.seq, price, 10, 10 * self.seq, price * 10 * self.seq))

    def advance(self, to: datetime) -> None:
        self.t = to
        self.pulse()


class NoHistory(OwnerAccounts):
    """The broker's account reads, without today's earlier bars: the bars are only the test's ticks."""

    def history(self, code: str, minutes: int) -> list[Bar]:
        return []


def _owner(tmp_path, env: str, **extra: object):
    fake = FakeKiwoom(env, app_keys={"k": "s"}).start()
    url = f"sqlite:///{tmp_path / 'bots.db'}"
    prepare_database(url)
    settings = owner_settings(
        tmp_path, url, broker="kiwoom", broker_env=env, kiwoom_app_key="k",
        kiwoom_secret_key="s", kiwoom_rest_url=fake.rest_url, kiwoom_ws_url=fake.ws_url, bot_paper_days=0,
        **extra,
    )  # fmt: skip
    adapter = KiwoomBroker.from_settings(
        settings, FileTokenStore(tmp_path / "tokens"), LocalRateLimiter(), rate_per_api_s=200,
        global_rate_per_s=200, rate_limit_backoff_s=0.05, reconcile_delay_s=0.05,
    )  # fmt: skip
    clock = RealClock(wall=lambda: START)
    return fake, settings, start_test_owner(settings, adapter=adapter, clock=clock)


def _bot_on_broker(owner, settings, mode: str) -> int:
    raw = {"name": "kiwoom bot", "strategy": "ma_cross", "params": {"fast": 1, "slow": 2},
           "universe": {"kind": "codes", "codes": [CODE]}, "timeframe": "1m",
           "sizing": {"kind": "fixed", "value": 1_000_000}, "exits": {"stop_loss_pct": 1.0}}  # fmt: skip
    bot_id = bot_admin.create(owner.engine, settings, "trader", raw)
    bot_admin.promote(owner.engine, settings, "trader", bot_id, mode, confirm=True)
    bot_admin.set_status(owner.engine, "trader", bot_id, "start")
    return bot_id


def _runner(owner) -> tuple[BotRunner, ManualFeed]:
    feed = ManualFeed()
    port = NoHistory(owner)
    runner = BotRunner(repo.SqlBotStore(owner.engine), owner.gateway, port, feed, lambda bot: [CODE]).attach()
    runner.process()  # sees the bot, reconciles it with the account, watches its stock
    return runner, feed


def _cross_up(runner: BotRunner, feed: ManualFeed) -> None:
    """Closes of 70,000, 69,900, 70,100: SMA(1) crosses above SMA(2) at the third bar's close."""
    for k, price in enumerate((70_000, 69_900, 70_100)):
        minute = START + timedelta(minutes=k)
        feed.tick(price, minute + timedelta(seconds=10))
        feed.advance(minute + timedelta(minutes=1))
        runner.process()


def test_a_promoted_bot_trades_the_kiwoom_mock_account_through_the_gateway(tmp_path):
    fake, settings, owner = _owner(tmp_path, "mock")
    try:
        bot_id = _bot_on_broker(owner, settings, "mock")
        runner, feed = _runner(owner)
        _cross_up(runner, feed)
        assert fake.order_posts == 1  # the market buy reached the broker, once
        sent = fake.orders[-1]
        assert (sent.code, sent.side, sent.qty) == (CODE, "2", 1_000_000 // 70_100)
        runner.sync_orders()  # the fill, from the broker's order inquiry
        held = runner.positions[bot_id][CODE]
        assert held.qty == sent.qty and held.cost == sent.qty * sent.fill_price
        feed.tick(69_000, feed.t + timedelta(seconds=5))  # under the 1 % stop
        runner.process()
        assert fake.order_posts == 2
        sold = fake.orders[-1]
        assert (sold.side, sold.qty) == ("1", sent.qty)
        runner.sync_orders()
        runner._flush()
        assert CODE not in runner.positions.get(bot_id, {})
        orders = repo.bot_orders(owner.engine, bot_id, 10)
        assert sorted((o.side, o.purpose, o.state) for o in orders) == [
            ("buy", "entry", "filled"), ("sell", "stop_loss", "filled")]  # fmt: skip
        assert all(o.client_order_id.startswith(f"b{bot_id}-") for o in orders)
        kinds = [d.kind for d in repo.decisions(owner.engine, bot_id, 100)]
        assert {"signal", "order", "fill", "exit"} <= set(kinds)
        runner.process()  # nothing re-sent on the next rounds
        runner.process()
        assert fake.order_posts == 2
    finally:
        owner.close()
        fake.stop()


def test_a_bot_on_a_real_account_without_live_trading_is_denied_and_sends_nothing(tmp_path):
    fake, settings, owner = _owner(tmp_path, "real", live_trading=False)
    try:
        bot_id = _bot_on_broker(owner, settings, "real")
        runner, feed = _runner(owner)
        _cross_up(runner, feed)
        runner._flush()
        assert fake.order_posts == 0
        denied = [d for d in repo.decisions(owner.engine, bot_id, 100) if d.kind == "denied"]
        assert denied and denied[0].reason == "LIVE_DISABLED", denied
        assert "LIVE_TRADING" in denied[0].message_ko
        assert [o.state for o in repo.bot_orders(owner.engine, bot_id, 10)] == ["rejected"]
    finally:
        owner.close()
        fake.stop()
