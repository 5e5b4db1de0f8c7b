"""Property tests: random place/modify/cancel/market-trade sequences keep the books exact."""

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trading.brokers.errors import OrderRejected
from trading.brokers.paper.exchange import PaperExchange
from trading.brokers.paper.fakes import ManualClock, StaticMarket
from trading.brokers.paper.store import MemoryStore
from trading.domain import KST, Market, OrderRequest, OrderType, Side
from trading.krx import Phase, is_on_tick, move_ticks, price_limits

DAY = date(2026, 11, 23)
CODES = {"005930": (Market.KOSPI, 70_000), "035720": (Market.KOSDAQ, 1_990)}
INITIAL = 20_000_000

place = st.tuples(
    st.just("place"),
    st.sampled_from(sorted(CODES)),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET]),
    st.one_of(st.integers(1, 400), st.sampled_from([0, -1, 10**9])),
    st.integers(-12, 12),  # price in ticks from the previous close
    st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
    st.booleans(),  # occasionally off-grid / out of limits
)
modify = st.tuples(st.just("modify"), st.integers(0, 30), st.integers(-6, 6), st.integers(-50, 200))
cancel = st.tuples(st.just("cancel"), st.integers(0, 30), st.one_of(st.none(), st.integers(1, 300)))
trade = st.tuples(
    st.just("trade"),
    st.sampled_from(sorted(CODES)),
    st.integers(-10, 10),
    st.integers(1, 3_000),
    st.booleans(),
)
phase = st.tuples(st.just("phase"), st.sampled_from([Phase.CONTINUOUS, Phase.PRE_OPEN_AUCTION, Phase.CLOSED]))
ops = st.lists(st.one_of(place, place, modify, cancel, trade, trade, phase), min_size=1, max_size=60)


def grid_price(code: str, ticks: int) -> int:
    market, prev = CODES[code]
    upper, lower = price_limits(prev, DAY, market)
    p = move_ticks(prev, ticks, DAY, market)
    return min(max(p, lower), upper)


def check_invariants(ex: PaperExchange) -> None:
    snap = ex.snapshot()
    fills = ex.fills()
    fees = sum(f.commission + f.tax for f in fills)
    pos = ex.positions_raw()
    assert ex.cash + sum(c for _, c, _ in pos.values()) - sum(r for _, _, r in pos.values()) + fees == INITIAL
    assert snap["orderable"] >= 0
    assert all(q >= 0 and c >= 0 for q, c, _ in pos.values())
    by_order: dict[str, list] = {}
    for f in fills:
        by_order.setdefault(f.order_id, []).append(f)
        market, prev = CODES[f.code]
        upper, lower = price_limits(prev, DAY, market)
        assert is_on_tick(f.price, DAY, market) and lower <= f.price <= upper
    for o in ex.orders():
        fs = by_order.get(o.order_id, [])
        assert o.filled_qty <= o.qty
        assert sum(f.qty for f in fs) == o.filled_qty
        assert sum(f.qty * f.price for f in fs) == o.filled_amount
        for f in fs:  # never worse than the limit
            if o.price is not None:
                assert f.price <= o.price if o.side is Side.BUY else f.price >= o.price
    for code in CODES:
        held = pos.get(code, (0, 0, 0))[0]
        selling = sum(
            o.qty - o.filled_qty for o in ex.open_orders() if o.code == code and o.side is Side.SELL
        )
        assert selling <= held


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_random_sequences_keep_invariants(seq):
    market = StaticMarket(DAY, dict(CODES), depth=300)
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    store = MemoryStore(INITIAL)
    ex = PaperExchange(market, clock, store)
    ids: list[str] = []
    client_orders: dict[str, str] = {}
    for op in seq:
        before = ex.snapshot()
        try:
            if op[0] == "place":
                _, code, side, otype, qty, ticks, cid, weird = op
                price = grid_price(code, ticks) if otype is OrderType.LIMIT else None
                if weird and price is not None:
                    price = price + 1 if code == "005930" else price * 2
                o = ex.place_order(OrderRequest(code, side, qty, otype, price, cid))
                if cid is not None:
                    assert client_orders.setdefault(cid, o.order_id) == o.order_id
                if o.order_id not in ids:
                    ids.append(o.order_id)
            elif op[0] == "modify" and ids:
                _, k, dticks, dqty = op
                o = ex.get_order(ids[k % len(ids)])
                price = grid_price(o.code, dticks) if o.price is not None and dticks else None
                ex.modify_order(o.order_id, price=price, qty=o.qty + dqty if dqty else None)
            elif op[0] == "cancel" and ids:
                _, k, qty = op
                ex.cancel_order(ids[k % len(ids)], qty)
            elif op[0] == "trade":
                _, code, ticks, vol, auction = op
                market.set_last(code, grid_price(code, ticks))
                ex.on_trades(code, [grid_price(code, ticks)], [vol], auction=auction)
            elif op[0] == "phase":
                clock.current_phase = op[1]
        except OrderRejected:
            assert ex.snapshot() == before  # a rejection changes nothing
        check_invariants(ex)
    # The store holds exactly what the exchange holds: a restart reproduces it.
    again = PaperExchange(market, clock, store)
    assert again.snapshot() == ex.snapshot()
    assert len({o.client_order_id for o in store.orders_on(DAY) if o.client_order_id}) == len(client_orders)
