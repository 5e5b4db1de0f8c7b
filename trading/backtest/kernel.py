"""The simulation core: one pass over a time-ordered stream of bars (all symbols interleaved).

Compiled with numba when it is installed (pure Python otherwise: same results, much slower).
Money is float64 throughout; for KRX data every amount is a whole number of won and stays exact
(float64 holds integers exactly up to 2**53), and fees are floored with int64 arithmetic.

Inputs are named records (``typing.NamedTuple``s, compiled by numba to plain structs):
``Rows`` (the bar stream and its market rules), ``Signals`` (the strategy's decisions),
``Tables`` (tick grid and sell-tax rates), ``Fees`` (commission, slippage) and ``Execution``
(fill / sizing / short / end settings); ``State`` holds everything the kernel changes.

Speed note: a compiled function increfs every array of its arguments on entry (and so does an
inlined one, unless numba can prove it unneeded), an atomic operation each. So the per-bar loop in
``simulate`` decides with small inlined helpers on scalars and calls the helpers that take records
(``_exit``, ``_enter``, ``_place_order``) only when something happens.

Per timestamp group the passes are:
  A  pending orders: exits at the open (all symbols first, so sells free cash for buys)
  B  pending orders: entries at the open; end="open" finalisation
  C  stop-loss / take-profit, intrabar (stop first when both are touched)
  D  time exits at the close; fill="close": new orders and their exits at the close
  E  fill="close": entries at the close; fill="next_open": new orders become pending;
     marks move to the close; end="close" finalisation
then equity = cash + Σ position × mark is recorded for the group.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without numba

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda fn: fn


NONE = -2  # no pending order

# Per-symbol float state State.sym_float[s, ...]
POS, MARK, EPX, ECOMM, ETAX, SLV, TPV, PSL, PTP, PATR = range(10)
N_FSTATE = 10
# Per-symbol int state State.sym_int[s, ...]
EROW, HOLD, PEND, PFORCE, PHOLD, PREV = range(6)
N_ISTATE = 6
# Account state State.account[...]
CASH, MTM, GROSS, TRADED = range(4)
# Trade record columns: State.trade_int / State.trade_float
T_SYM, T_EROW, T_XROW = range(3)
T_QTY, T_EPX, T_XPX, T_COMM, T_TAX, T_PNL = range(6)

SIZING_KINDS = {"all_in": 0, "fixed": 1, "percent": 2, "atr": 3}


class Rows(NamedTuple):
    """The bar stream, one entry per bar of any symbol, ordered by time and grouped by timestamp."""

    group_start: np.ndarray  # int64 row offset of each timestamp group, len G + 1
    symbol: np.ndarray  # int32 symbol index
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    is_last: np.ndarray  # bool: the symbol's last bar
    upper: np.ndarray  # float64 daily upper price limit, inf = none
    lower: np.ndarray  # float64 daily lower price limit, 0 = none
    tick_id: np.ndarray  # int32 row of Tables.band_*, -1 = no grid
    tax_id: np.ndarray  # int32 row of Tables.tax_*


class Signals(NamedTuple):
    """What the strategy decided at each row's close."""

    target: np.ndarray  # int8 target position sign
    entry: np.ndarray  # bool: issue an order even if the target did not change
    stop_loss: np.ndarray  # float fraction below/above the entry, NaN = none
    take_profit: np.ndarray  # float fraction, NaN = none
    hold: np.ndarray  # int64 bars to hold, 0 = no limit
    atr: np.ndarray  # float ATR for "atr" sizing (zeros otherwise)


class Tables(NamedTuple):
    """Tick grids and sell-tax rates, shared by all symbols of a run."""

    band_upper: np.ndarray  # [tick table, band] upper price bound of the band
    band_tick: np.ndarray  # [tick table, band] tick size of the band
    tax_num: np.ndarray  # [tax row, component] int64 numerators of the sell-tax rates
    tax_den: np.ndarray  # [tax row, component] int64 denominators
    tax_rate: np.ndarray  # [tax row, component] the same rates as floats


class Fees(NamedTuple):
    """Commission and slippage."""

    commission_num: int  # the per-side rate as a fraction
    commission_den: int
    commission_rate: float  # the same rate as a float
    exact: bool  # integer won: fees are floored with int64 arithmetic
    slippage_ticks: int
    generic_tick: float  # one tick of slippage where there is no grid (tick_id -1)


class Execution(NamedTuple):
    """How orders are placed and sized."""

    fill_close: bool  # fill at the signal bar's close (else at the next bar's open)
    allow_short: bool
    sizing_kind: int  # SIZING_KINDS
    sizing_value: float
    end_open: bool  # close what is left at the last bar's open (else its close)


class State(NamedTuple):
    """Everything the kernel changes, in place; the trade buffers may be replaced to grow them."""

    sym_float: np.ndarray  # [symbol, POS..PATR]
    sym_int: np.ndarray  # [symbol, EROW..PREV] int64
    account: np.ndarray  # [CASH, MTM, GROSS, TRADED]
    trade_int: np.ndarray  # [trade, T_SYM..T_XROW] int64
    trade_float: np.ndarray  # [trade, T_QTY..T_PNL]
    n_trades: np.ndarray  # [1] int64: trades recorded so far
    equity: np.ndarray  # per timestamp group
    gross: np.ndarray  # per timestamp group: gross exposure


# --- prices and fees ------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _fee(amount, num, den, rate, exact):
    if amount <= 0.0:
        return 0.0
    if exact:
        return float((np.int64(amount) * num) // den)
    return amount * rate


@njit(cache=True, error_model="numpy")
def _commission(amount, fees):
    return _fee(amount, fees.commission_num, fees.commission_den, fees.commission_rate, fees.exact)


@njit(cache=True, error_model="numpy")
def _tax(amount, tid, tables, exact):
    """Sell tax of tax row ``tid``: two components (e.g. STT and rural tax), each floored on its own."""
    num, den, rate = tables.tax_num, tables.tax_den, tables.tax_rate
    return _fee(amount, num[tid, 0], den[tid, 0], rate[tid, 0], exact) + _fee(
        amount, num[tid, 1], den[tid, 1], rate[tid, 1], exact
    )


@njit(cache=True, error_model="numpy")
def _tick(p, k, bhi, btk):
    nb = bhi.shape[1]
    for b in range(nb):
        if p < bhi[k, b]:
            return btk[k, b]
    return btk[k, nb - 1]


@njit(cache=True, error_model="numpy")
def round_up(p, k, bhi, btk):
    """Smallest grid price >= p (table k)."""
    p = math.ceil(p)
    t = _tick(p, k, bhi, btk)
    return math.ceil(p / t) * t


@njit(cache=True, error_model="numpy")
def round_down(p, k, bhi, btk):
    """Largest grid price <= p (table k), never below one tick."""
    p = math.floor(p)
    t = _tick(p, k, bhi, btk)
    q = math.floor(p / t) * t
    return q if q > 0 else t


@njit(cache=True, error_model="numpy")
def move(p, n, k, bhi, btk):
    """Move an on-grid price n ticks (negative = down), crossing band edges; stops above 0."""
    if n >= 0:
        for _ in range(n):
            p += _tick(p, k, bhi, btk)
        return p
    for _ in range(-n):
        t = _tick(p - 1.0, k, bhi, btk)
        if p - t <= 0:
            break
        p -= t
    return p


@njit(cache=True, error_model="numpy")
def _buy_price(ref, k, slip, up, tables, fees):
    """A buy at ``ref``: up to the grid of table k and ``slip`` ticks further, capped at ``up``."""
    bhi, btk = tables.band_upper, tables.band_tick
    q = ref + slip * fees.generic_tick if k < 0 else move(round_up(ref, k, bhi, btk), slip, k, bhi, btk)
    return up if q > up else q


@njit(cache=True, error_model="numpy")
def _sell_price(ref, k, slip, lo, tables, fees):
    """A sell at ``ref``: down to the grid of table k and ``slip`` ticks further, floored at ``lo``."""
    bhi, btk = tables.band_upper, tables.band_tick
    q = ref - slip * fees.generic_tick if k < 0 else move(round_down(ref, k, bhi, btk), -slip, k, bhi, btk)
    return lo if q < lo else q


@njit(cache=True, error_model="numpy")
def _affordable(budget, px, fees):
    """Whole shares q with px*q + commission(px*q) <= budget."""
    if budget <= 0.0 or px <= 0.0:
        return 0.0
    q = math.floor(budget / (px * (1.0 + fees.commission_rate)))
    while q > 0 and px * q + _commission(px * q, fees) > budget:
        q -= 1
    while px * (q + 1) + _commission(px * (q + 1), fees) <= budget:
        q += 1
    return float(q)


@njit(cache=True, error_model="numpy")
def _quantity(s, side, px, fees, execution, S, A):
    """Whole shares an entry of sign ``side`` at px buys or sells: the sizing amount within buying
    power (cash for buys; equity − gross exposure), for "atr" also at most value × equity / ATR."""
    equity = A[CASH] + A[MTM]
    power = equity - A[GROSS]
    if side > 0 and A[CASH] < power:
        power = A[CASH]
    kind, value = execution.sizing_kind, execution.sizing_value
    if kind == 1:
        budget = min(value, power)
    elif kind == 2:
        budget = min(value * equity, power)
    else:
        budget = power
    qty = _affordable(budget, px, fees)
    if kind == 3:
        a = S[s, PATR]
        cap = math.floor(value * equity / a) if a > 0.0 else 0.0
        qty = min(qty, cap)
    return qty


# --- fills ----------------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _exit(r, s, ref, use_slip, force, rows, tables, fees, state):
    """Close symbol s's position at reference price ref. False if a price limit blocks it
    (``force``: never blocked; ``use_slip``: a market/stop fill, slippage applies)."""
    S, IS, A = state.sym_float, state.sym_int, state.account
    q = S[s, POS]
    if q == 0.0:
        return True
    k = rows.tick_id[r]
    slip = fees.slippage_ticks if use_slip else 0
    if q > 0:
        if not force and ref <= rows.lower[r]:
            return False
        px = _sell_price(ref, k, slip, rows.lower[r], tables, fees)
        amt = px * q
        fee = _commission(amt, fees)
        tax = _tax(amt, rows.tax_id[r], tables, fees.exact)
        A[CASH] += amt - fee - tax
        pnl = (px - S[s, EPX]) * q
        qa = q
    else:
        if not force and ref >= rows.upper[r]:
            return False
        px = _buy_price(ref, k, slip, rows.upper[r], tables, fees)
        qa = -q
        amt = px * qa
        fee = _commission(amt, fees)
        tax = 0.0
        A[CASH] -= amt + fee
        pnl = (S[s, EPX] - px) * qa
    n = state.n_trades[0]
    ti, tf = state.trade_int, state.trade_float
    ti[n, T_SYM] = s
    ti[n, T_EROW] = IS[s, EROW]
    ti[n, T_XROW] = r
    tf[n, T_QTY] = q
    tf[n, T_EPX] = S[s, EPX]
    tf[n, T_XPX] = px
    tf[n, T_COMM] = S[s, ECOMM] + fee
    tf[n, T_TAX] = S[s, ETAX] + tax
    tf[n, T_PNL] = pnl - S[s, ECOMM] - S[s, ETAX] - fee - tax
    state.n_trades[0] = n + 1
    A[MTM] -= q * S[s, MARK]
    A[GROSS] -= qa * S[s, MARK]
    A[TRADED] += amt
    S[s, POS] = 0.0
    S[s, SLV] = np.nan
    S[s, TPV] = np.nan
    IS[s, HOLD] = 0
    return True


@njit(cache=True, error_model="numpy")
def _set_exit_levels(S, s, side, px, k, bhi, btk):
    """Stop-loss / take-profit prices of symbol s's new position (entered at px) from its order's
    fractions, on the grid of table k (away from the position: stops down, targets up for a long)."""
    sl = S[s, PSL]
    tp = S[s, PTP]
    S[s, SLV] = np.nan
    S[s, TPV] = np.nan
    if sl == sl:
        lv = px * (1.0 - sl) if side > 0 else px * (1.0 + sl)
        if k >= 0:
            lv = round_down(lv, k, bhi, btk) if side > 0 else round_up(lv, k, bhi, btk)
        S[s, SLV] = lv
    if tp == tp:
        lv = px * (1.0 + tp) if side > 0 else px * (1.0 - tp)
        if k >= 0:
            lv = round_up(lv, k, bhi, btk) if side > 0 else round_down(lv, k, bhi, btk)
        S[s, TPV] = lv


@njit(cache=True, error_model="numpy")
def _enter(r, s, ref, side, rows, tables, fees, execution, state):
    """Open a position of sign ``side`` at ref. 1 filled, 0 blocked by a limit, -1 cancelled (0 shares)."""
    S, IS, A = state.sym_float, state.sym_int, state.account
    k = rows.tick_id[r]
    if side > 0:
        if ref >= rows.upper[r]:
            return 0
        px = _buy_price(ref, k, fees.slippage_ticks, rows.upper[r], tables, fees)
    else:
        if ref <= rows.lower[r]:
            return 0
        px = _sell_price(ref, k, fees.slippage_ticks, rows.lower[r], tables, fees)
    if not px > 0.0:
        return -1
    qty = _quantity(s, side, px, fees, execution, S, A)
    if qty <= 0.0:
        return -1
    amt = px * qty
    fee = _commission(amt, fees)
    if side > 0:
        A[CASH] -= amt + fee
        tax = 0.0
    else:
        tax = _tax(amt, rows.tax_id[r], tables, fees.exact)
        A[CASH] += amt - fee - tax
    pos = side * qty
    S[s, POS] = pos
    S[s, EPX] = px
    S[s, ECOMM] = fee
    S[s, ETAX] = tax
    S[s, MARK] = px
    A[MTM] += pos * px
    A[GROSS] += qty * px
    A[TRADED] += amt
    IS[s, EROW] = r
    IS[s, HOLD] = IS[s, PHOLD]
    _set_exit_levels(S, s, side, px, k, tables.band_upper, tables.band_tick)
    return 1


@njit(cache=True, error_model="numpy")
def _exit_at_level(r, s, rows, tables, fees, state):
    """Close at the stop-loss (a stop fill, with slippage) or else at the take-profit."""
    S = state.sym_float
    slv, tpv = S[s, SLV], S[s, TPV]
    o, h, lo = rows.open[r], rows.high[r], rows.low[r]
    if S[s, POS] > 0:
        if slv == slv and lo <= slv and _exit(r, s, min(o, slv), True, False, rows, tables, fees, state):
            return
        if tpv == tpv and h >= tpv:
            _exit(r, s, max(o, tpv), False, False, rows, tables, fees, state)
    else:
        if slv == slv and h >= slv and _exit(r, s, max(o, slv), True, False, rows, tables, fees, state):
            return
        if tpv == tpv and lo <= tpv:
            _exit(r, s, min(o, tpv), False, False, rows, tables, fees, state)


# --- per-bar decisions on scalars (inlined: no reference counting in the loop) --------------------

ENTER, DONE, WAIT = 1, 2, 3  # what a pending order does at a fill time


@njit(cache=True, error_model="numpy", inline="always")
def _signal_target(target, allow_short):
    """The position sign a signal asks for (short targets mean flat unless shorts are allowed)."""
    return 0 if target < 0 and not allow_short else target


@njit(cache=True, error_model="numpy", inline="always")
def _exit_due(pending, position, force):
    """Whether a pending order (target sign ``pending``) must first close ``position``: it is on
    the other side, or the order forces a fresh entry."""
    cur = np.sign(position)
    return pending != NONE and cur != 0 and (cur != pending or force == 1)


@njit(cache=True, error_model="numpy", inline="always")
def _entry_step(pending, position, force):
    """ENTER: flat and the order wants a position; DONE: the order needs no entry (flat target, or
    already on its side); WAIT: no order, or a position on the other side (its exit was blocked)."""
    if pending == NONE:
        return WAIT
    cur = np.sign(position)
    if cur != 0:
        return DONE if cur == pending and force == 0 else WAIT
    return DONE if pending == 0 else ENTER


@njit(cache=True, error_model="numpy", inline="always")
def _touches_level(position, stop, target, low, high):
    """Whether a bar from ``low`` to ``high`` reaches the stop-loss or take-profit level (NaN = none)."""
    if position > 0:
        return (stop == stop and low <= stop) or (target == target and high >= target)
    return (stop == stop and high >= stop) or (target == target and low <= target)


@njit(cache=True, error_model="numpy", inline="always")
def _count_down(hold):
    """A holding period after one more close: -1 once it has run out (the time exit is due)."""
    if hold > 0:
        hold -= 1
    return hold if hold > 0 else -1


@njit(cache=True, error_model="numpy")
def _place_order(r, s, t, signals, S, IS):
    """Symbol s's pending order for target sign t, with row r's stop, target, hold and ATR."""
    IS[s, PEND] = t
    IS[s, PFORCE] = 1 if signals.entry[r] else 0
    IS[s, PHOLD] = signals.hold[r]
    S[s, PSL] = signals.stop_loss[r]
    S[s, PTP] = signals.take_profit[r]
    S[s, PATR] = signals.atr[r]


# --- the loop -------------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def simulate(g0, g1, rows, signals, tables, fees, execution, state):
    """Advance the simulation over timestamp groups [g0, g1); everything it changes is in ``state``.

    Returns the first group not processed: < g1 when the trade buffers need to grow first.
    """
    S, IS, A = state.sym_float, state.sym_int, state.account
    symbol, is_last, open_, close = rows.symbol, rows.is_last, rows.open, rows.close
    fill_close, end_open, allow_short = execution.fill_close, execution.end_open, execution.allow_short
    capacity = state.trade_int.shape[0]
    for g in range(g0, g1):
        a = rows.group_start[g]
        b = rows.group_start[g + 1]
        if state.n_trades[0] + 2 * (b - a) + S.shape[0] > capacity:
            return g
        if not fill_close:
            for r in range(a, b):  # A: pending orders' exits at the open, every symbol first
                s = symbol[r]
                if _exit_due(IS[s, PEND], S[s, POS], IS[s, PFORCE]) and _exit(
                    r, s, open_[r], True, False, rows, tables, fees, state
                ):
                    IS[s, PFORCE] = 0
            for r in range(a, b):  # B: then their entries
                s = symbol[r]
                step = _entry_step(IS[s, PEND], S[s, POS], IS[s, PFORCE])
                if step == DONE or (
                    step == ENTER
                    and _enter(r, s, open_[r], IS[s, PEND], rows, tables, fees, execution, state)
                ):
                    IS[s, PEND] = NONE
        if end_open:
            for r in range(a, b):  # end="open": close out at the last bar's open
                if is_last[r]:
                    _exit(r, symbol[r], open_[r], False, True, rows, tables, fees, state)
                    IS[symbol[r], PEND] = NONE
        for r in range(a, b):  # C: stop-loss / take-profit within the bar
            s = symbol[r]
            if (
                S[s, POS] != 0.0
                and not (end_open and is_last[r])
                and _touches_level(S[s, POS], S[s, SLV], S[s, TPV], rows.low[r], rows.high[r])
            ):
                _exit_at_level(r, s, rows, tables, fees, state)
        for r in range(a, b):  # D: time exits at the close; fill="close": new orders and their exits
            s = symbol[r]
            if end_open and is_last[r]:
                continue
            if S[s, POS] != 0.0 and IS[s, HOLD] != 0:
                IS[s, HOLD] = _count_down(IS[s, HOLD])
                if IS[s, HOLD] < 0:
                    _exit(r, s, close[r], True, False, rows, tables, fees, state)
            if fill_close:
                t = _signal_target(signals.target[r], allow_short)
                if t != IS[s, PREV] or signals.entry[r]:
                    _place_order(r, s, t, signals, S, IS)
                IS[s, PREV] = t
                if _exit_due(IS[s, PEND], S[s, POS], IS[s, PFORCE]) and _exit(
                    r, s, close[r], True, False, rows, tables, fees, state
                ):
                    IS[s, PFORCE] = 0
        for r in range(a, b):  # E: entries at the close or orders for the next open; marks; end="close"
            s = symbol[r]
            if not (end_open and is_last[r]):
                if fill_close:
                    step = _entry_step(IS[s, PEND], S[s, POS], IS[s, PFORCE])
                    if step == DONE or (
                        step == ENTER
                        and _enter(r, s, close[r], IS[s, PEND], rows, tables, fees, execution, state)
                    ):
                        IS[s, PEND] = NONE
                else:
                    t = _signal_target(signals.target[r], allow_short)
                    if t != IS[s, PREV] or signals.entry[r]:
                        _place_order(r, s, t, signals, S, IS)
                    IS[s, PREV] = t
            q = S[s, POS]
            if q != 0.0:
                A[MTM] += q * (close[r] - S[s, MARK])
                A[GROSS] += abs(q) * (close[r] - S[s, MARK])
            S[s, MARK] = close[r]
            if is_last[r]:
                if not end_open:
                    _exit(r, s, close[r], False, True, rows, tables, fees, state)
                IS[s, PEND] = NONE
        state.equity[g] = A[CASH] + A[MTM]
        state.gross[g] = A[GROSS]
    return g1
