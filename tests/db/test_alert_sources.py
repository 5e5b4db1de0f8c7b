"""Where alert events come from: each source writes its outbox row in the transaction of the fact — risk
states and the kill switch, gateway denials, bot signals and stop exits, the morning report — and fan-out
sends each to the right users (the account's, the bot's, everyone's)."""

from __future__ import annotations

from datetime import date, datetime

from support.alerts import trader

from db.repositories import alerts as repo
from db.repositories.accounts import set_risk_state
from db.repositories.bots import SqlBotStore, create_bot
from db.repositories.order_journal import SqlJournal
from db.repositories.reports import save_report
from db.repositories.users import add_user
from services.bot_admin import check_strategy
from trading.bots.config import parse_bot
from trading.bots.store import Decision
from trading.domain import KST
from trading.orders.risk import RiskState, RiskStatus


def _types(engine, user_id: int) -> list[str]:  # noqa: ANN001
    repo.fan_out(engine)
    return [n.type for n in reversed(repo.notifications(engine, user_id))]


def test_each_source_writes_its_event_and_fan_out_finds_its_users(db_engine):
    t = trader(db_engine)
    other = add_user(db_engine, "kim", "test-password-1", role="trader")
    account = f"paper-u{t.user_id}"

    set_risk_state(db_engine, account, RiskStatus(RiskState.HALTED, "kill switch", "trader"))
    set_risk_state(db_engine, account, RiskStatus(RiskState.ACTIVE, "resume", "trader"))
    SqlJournal(db_engine).denied("trader", account, "page", "place",
                                 {"reason": "tick_size", "detail": "호가 단위", "code": "005930", "qty": 1})  # fmt: skip
    cfg = parse_bot({"name": "mybot", "strategy": "ma_cross", "params": {"fast": 5, "slow": 20},
                     "universe": {"kind": "codes", "codes": ["005930"]}}, check_strategy)  # fmt: skip
    bot_id = create_bot(db_engine, t.user_id, account, cfg)
    now = datetime.now(KST)
    SqlBotStore(db_engine).log([
        Decision(bot_id, now, "signal", "매수 신호 70,000원", "buy signal at 70,000", "005930"),
        Decision(bot_id, now, "exit", "손절: 69,000원 (-1.43%)", "stop-loss: 69,000 (-1.43%)", "005930", "stop_loss"),
        Decision(bot_id, now, "skip", "건너뜀", "skipped", "005930"),
    ])  # fmt: skip
    save_report(db_engine, {"session_date": date(2026, 12, 1).isoformat(), "us_session_date": None,
                            "data_source": "simulated", "picks": []})  # fmt: skip

    assert _types(db_engine, t.user_id) == [
        "risk.kill",
        "risk.state",
        "order.rejected",
        "bot.signal",
        "bot.stop",
        "report.ready",
    ]
    assert _types(db_engine, other.id) == ["report.ready"]  # not kim's account, not kim's bot
    n = {x.type: x for x in repo.notifications(db_engine, t.user_id)}
    assert n["order.rejected"].payload["reject_message"] == "호가 단위"
    assert n["bot.stop"].payload["text"] == "mybot: 손절: 69,000원 (-1.43%)"
    assert n["risk.kill"].payload["state"] == "halted"
    assert repo.delivery_counts(db_engine) == {("inapp", "delivered"): 7}  # 6 for trader, 1 for kim


def test_modes_silence_or_drop_events_per_user(db_engine):
    from trading.alerts.events import EventType, Mode

    t = trader(db_engine)
    repo.set_mode(db_engine, t.user_id, EventType.ORDER_FILLED, Mode.OFF)
    t.fill()
    repo.fan_out(db_engine)
    (n,) = repo.notifications(db_engine, t.user_id)  # the acceptance (silent by default); the fill is off
    assert (n.type, n.mode) == ("order.accepted", "silent")
    assert repo.unread_count(db_engine, t.user_id) == 1 and repo.mark_read(db_engine, t.user_id) == 1
    assert (
        repo.events_after(db_engine, t.user_id, n.id) == []
        and repo.events_after(db_engine, t.user_id, 0)[0].id == n.id
    )


def test_broker_sync_writes_fill_events_once(db_engine):
    from db.repositories.accounts import bind, ensure_broker_account
    from db.repositories.broker_sync import BrokerSyncStore
    from trading.brokers.sync import BrokerSnapshot
    from trading.domain import Balance, Fill, Order, OrderStatus, OrderType, Side

    t = trader(db_engine)
    ensure_broker_account(db_engine, "kis-mock-12345678-01", "kis", "mock")
    bind(db_engine, "kis-mock-12345678-01", "trader")
    now = datetime.now(KST)
    order = Order("0000123", "005930", Side.BUY, OrderType.LIMIT, 70_000, 3, 3, 210_000, OrderStatus.FILLED,
                  None, now, now)  # fmt: skip
    fill = Fill("0000123-1", "0000123", "005930", Side.BUY, 70_000, 3, 30, 0, now)
    snap = BrokerSnapshot(now.date(), now, (order,), (fill,), Balance(1_000_000, 1_000_000))
    store = BrokerSyncStore(db_engine)
    store.apply("kis-mock-12345678-01", "kis", snap)
    store.apply("kis-mock-12345678-01", "kis", snap)  # the next sync sees the same fill: no second event
    assert [x for x in _types(db_engine, t.user_id) if x == "order.filled"] == ["order.filled"]
