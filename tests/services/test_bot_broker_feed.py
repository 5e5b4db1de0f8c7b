"""Bots on a broker account: the owner of a Kiwoom (mock) account runs the bot runner on the broker's
market-data service, and that feed — against the fake Kiwoom's websocket — delivers the watched stocks'
ticks, pulses on the real clock, stays ``grace_s`` behind it for late ticks, and stops when unwatched."""

from __future__ import annotations

import time

from fakes.fake_base import listing_universe
from fakes.fake_kiwoom import FakeKiwoom
from support.owner import owner_settings, prepare_database
from support.wait import wait_for

from services.bots import BrokerLiveFeed
from services.container import Container
from trading.domain import Tick
from trading.market.clock import RealClock


def test_the_broker_feed_drives_the_runner_with_ticks_and_pulses(tmp_path):
    fake = FakeKiwoom("mock", app_keys={"k": "s"}, universe=listing_universe()).start()
    url = f"sqlite:///{tmp_path / 'bots.db'}"
    prepare_database(url)
    settings = owner_settings(
        tmp_path, url, broker="kiwoom", broker_feed=True, order_session_check="off", kiwoom_app_key="k",
        kiwoom_secret_key="s", kiwoom_rest_url=fake.rest_url, kiwoom_ws_url=fake.ws_url,
        kiwoom_rate_per_api_s=60, kiwoom_global_rate_per_s=60, kiwoom_max_ws_items=3,
    )  # fmt: skip
    rt = Container(settings, "web")  # the embedded app's container: it owns the account, and runs the bots
    stream = None
    try:
        rt.market_data()  # resolves who owns the account: this process
        owner = rt.owner
        assert owner is not None and owner.feed is not None
        assert isinstance(owner.bots.feed, BrokerLiveFeed)  # the runner is on the broker's feed
        feed = BrokerLiveFeed(owner.feed, RealClock(), grace_s=0.5)
        ticks: list[Tick] = []
        pulses: list[float] = []
        feed.on_pulse(lambda: pulses.append(time.monotonic()))
        feed.watch(frozenset({"005930"}), ticks.append)
        stream = fake.stream_ticks(40)
        assert wait_for(lambda: len(ticks) >= 5, timeout=15)
        assert {t.code for t in ticks} == {"005930"} and all(t.price > 0 for t in ticks)
        assert wait_for(lambda: len(pulses) >= 3, timeout=3)  # every 0.2 s
        lag = (RealClock().now() - feed.now()).total_seconds()
        assert 0.45 <= lag <= 1.0  # bars close half a second after their end
        feed.watch(frozenset(), ticks.append)  # unwatched: no more ticks reach the runner
        time.sleep(0.5)
        n = len(ticks)
        time.sleep(1.0)
        assert len(ticks) == n
        feed.close()
    finally:
        if stream is not None:
            stream.stop()
        rt.close()
        fake.stop()
