"""The simulation core: one pass over a time-ordered stream of bars (all symbols interleaved).

Compiled with numba when it is installed (pure Python otherwise: same results, much slower).
Money is float64 throughout; for KRX data every amount is a whole number of won and stays exact
(float64 holds integers exactly up to 2**53), and fees are floored with int64 arithmetic.

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

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without numba

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda fn: fn


NONE = -2  # no pending order

# Per-symbol float state S[s, ...]
POS, MARK, EPX, ECOMM, ETAX, SLV, TPV, PSL, PTP, PATR = range(10)
N_FSTATE = 10
# Per-symbol int state IS[s, ...]
EROW, HOLD, PEND, PFORCE, PHOLD, PREV = range(6)
N_ISTATE = 6
# Account state A[...]
CASH, MTM, GROSS, TRADED = range(4)
# Trade record columns
T_SYM, T_EROW, T_XROW = range(3)
T_QTY, T_EPX, T_XPX, T_COMM, T_TAX, T_PNL = range(6)

SIZING_KINDS = {"all_in": 0, "fixed": 1, "percent": 2, "atr": 3}


@njit(cache=True, error_model="numpy")
def _fee(amount, num, den, rate, exact):
    if amount <= 0.0:
        return 0.0
    if exact:
        return float((np.int64(amount) * num) // den)
    return amount * rate


@njit(cache=True, error_model="numpy")
def _tax(amount, tid, tx_num, tx_den, tx_rate, exact):
    return _fee(amount, tx_num[tid, 0], tx_den[tid, 0], tx_rate[tid, 0], exact) + _fee(
        amount, tx_num[tid, 1], tx_den[tid, 1], tx_rate[tid, 1], exact
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
def _buy_px(ref, k, slip, gtick, up, bhi, btk):
    q = ref + slip * gtick if k < 0 else move(round_up(ref, k, bhi, btk), slip, k, bhi, btk)
    return up if q > up else q


@njit(cache=True, error_model="numpy")
def _sell_px(ref, k, slip, gtick, lo, bhi, btk):
    q = ref - slip * gtick if k < 0 else move(round_down(ref, k, bhi, btk), -slip, k, bhi, btk)
    return lo if q < lo else q


@njit(cache=True, error_model="numpy")
def _affordable(budget, px, cnum, cden, crate, exact):
    """Whole shares q with px*q + commission(px*q) <= budget."""
    if budget <= 0.0 or px <= 0.0:
        return 0.0
    q = math.floor(budget / (px * (1.0 + crate)))
    while q > 0 and px * q + _fee(px * q, cnum, cden, crate, exact) > budget:
        q -= 1
    while px * (q + 1) + _fee(px * (q + 1), cnum, cden, crate, exact) <= budget:
        q += 1
    return float(q)


@njit(cache=True, error_model="numpy")
def _exit(
    r,
    s,
    ref,
    use_slip,
    force,
    S,
    IS,
    A,
    ti,
    tf,
    ntr,
    lower,
    upper,
    tkid,
    txid,
    bhi,
    btk,
    tx_num,
    tx_den,
    tx_rate,
    cnum,
    cden,
    crate,
    exact,
    slip,
    gtick,
):
    """Close symbol s's position at reference price ref. False if a price limit blocks it."""
    q = S[s, POS]
    if q == 0.0:
        return True
    k = tkid[r]
    sl_ticks = slip if use_slip else 0
    if q > 0:
        if not force and ref <= lower[r]:
            return False
        px = _sell_px(ref, k, sl_ticks, gtick, lower[r], bhi, btk)
        amt = px * q
        fee = _fee(amt, cnum, cden, crate, exact)
        tax = _tax(amt, txid[r], tx_num, tx_den, tx_rate, exact)
        A[CASH] += amt - fee - tax
        pnl = (px - S[s, EPX]) * q
        qa = q
    else:
        if not force and ref >= upper[r]:
            return False
        px = _buy_px(ref, k, sl_ticks, gtick, upper[r], bhi, btk)
        qa = -q
        amt = px * qa
        fee = _fee(amt, cnum, cden, crate, exact)
        tax = 0.0
        A[CASH] -= amt + fee
        pnl = (S[s, EPX] - px) * qa
    n = ntr[0]
    ti[n, T_SYM] = s
    ti[n, T_EROW] = IS[s, EROW]
    ti[n, T_XROW] = r
    tf[n, T_QTY] = q
    tf[n, T_EPX] = S[s, EPX]
    tf[n, T_XPX] = px
    tf[n, T_COMM] = S[s, ECOMM] + fee
    tf[n, T_TAX] = S[s, ETAX] + tax
    tf[n, T_PNL] = pnl - S[s, ECOMM] - S[s, ETAX] - fee - tax
    ntr[0] = n + 1
    A[MTM] -= q * S[s, MARK]
    A[GROSS] -= qa * S[s, MARK]
    A[TRADED] += amt
    S[s, POS] = 0.0
    S[s, SLV] = np.nan
    S[s, TPV] = np.nan
    IS[s, HOLD] = 0
    return True


@njit(cache=True, error_model="numpy")
def _enter(
    r,
    s,
    ref,
    side,
    S,
    IS,
    A,
    lower,
    upper,
    tkid,
    txid,
    bhi,
    btk,
    tx_num,
    tx_den,
    tx_rate,
    cnum,
    cden,
    crate,
    exact,
    slip,
    gtick,
    sz_kind,
    sz_val,
):
    """Open a position of sign ``side`` at ref. 1 filled, 0 blocked by a limit, -1 cancelled (0 shares)."""
    k = tkid[r]
    if side > 0:
        if ref >= upper[r]:
            return 0
        px = _buy_px(ref, k, slip, gtick, upper[r], bhi, btk)
    else:
        if ref <= lower[r]:
            return 0
        px = _sell_px(ref, k, slip, gtick, lower[r], bhi, btk)
    if not px > 0.0:
        return -1
    equity = A[CASH] + A[MTM]
    bp = equity - A[GROSS]
    if side > 0 and A[CASH] < bp:
        bp = A[CASH]
    if sz_kind == 1:
        budget = min(sz_val, bp)
    elif sz_kind == 2:
        budget = min(sz_val * equity, bp)
    else:
        budget = bp
    qty = _affordable(budget, px, cnum, cden, crate, exact)
    if sz_kind == 3:
        a = S[s, PATR]
        cap = math.floor(sz_val * equity / a) if a > 0.0 else 0.0
        qty = min(qty, cap)
    if qty <= 0.0:
        return -1
    amt = px * qty
    fee = _fee(amt, cnum, cden, crate, exact)
    if side > 0:
        A[CASH] -= amt + fee
        tax = 0.0
    else:
        tax = _tax(amt, txid[r], tx_num, tx_den, tx_rate, exact)
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
    return 1


@njit(cache=True, error_model="numpy")
def _new_order(r, s, tgt, ent, sl, tp, hold, atr, allow_short, S, IS):
    t = tgt[r]
    if t < 0 and not allow_short:
        t = 0
    if t != IS[s, PREV] or ent[r]:
        IS[s, PEND] = t
        IS[s, PFORCE] = 1 if ent[r] else 0
        IS[s, PHOLD] = hold[r]
        S[s, PSL] = sl[r]
        S[s, PTP] = tp[r]
        S[s, PATR] = atr[r]
    IS[s, PREV] = t


@njit(cache=True, error_model="numpy")
def simulate(
    g0,
    g1,
    gstart,
    sym,
    o,
    h,
    lo_,
    c,
    tgt,
    ent,
    sl,
    tp,
    hold,
    atr,
    upper,
    lower,
    tkid,
    txid,
    is_last,
    bhi,
    btk,
    tx_num,
    tx_den,
    tx_rate,
    cnum,
    cden,
    crate,
    exact,
    slip,
    gtick,
    fill_close,
    allow_short,
    sz_kind,
    sz_val,
    end_open,
    S,
    IS,
    A,
    ti,
    tf,
    ntr,
    eq,
    gross_out,
):
    """Advance the simulation over timestamp groups [g0, g1); state lives in S, IS, A, ti/tf/ntr.

    Returns the first group not processed: < g1 when the trade buffers need to grow first.
    """
    cap = ti.shape[0]
    for g in range(g0, g1):
        a = gstart[g]
        b = gstart[g + 1]
        if ntr[0] + 2 * (b - a) + S.shape[0] > cap:
            return g
        for phase in range(2):  # A then B: pending orders at the open
            if fill_close:
                break
            for r in range(a, b):
                s = sym[r]
                p = IS[s, PEND]
                if p == NONE:
                    continue
                cur = np.sign(S[s, POS])
                if phase == 0:
                    if (
                        cur != 0
                        and (cur != p or IS[s, PFORCE] == 1)
                        and _exit(
                            r,
                            s,
                            o[r],
                            True,
                            False,
                            S,
                            IS,
                            A,
                            ti,
                            tf,
                            ntr,
                            lower,
                            upper,
                            tkid,
                            txid,
                            bhi,
                            btk,
                            tx_num,
                            tx_den,
                            tx_rate,
                            cnum,
                            cden,
                            crate,
                            exact,
                            slip,
                            gtick,
                        )
                    ):
                        IS[s, PFORCE] = 0
                elif cur != 0:
                    if cur == p and IS[s, PFORCE] == 0:
                        IS[s, PEND] = NONE
                elif p == 0 or (
                    _enter(
                        r,
                        s,
                        o[r],
                        p,
                        S,
                        IS,
                        A,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                        sz_kind,
                        sz_val,
                    )
                    != 0
                ):
                    IS[s, PEND] = NONE
        if end_open:
            for r in range(a, b):
                if is_last[r]:
                    s = sym[r]
                    _exit(
                        r,
                        s,
                        o[r],
                        False,
                        True,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
                    IS[s, PEND] = NONE
        # C: stops / take-profits
        for r in range(a, b):
            s = sym[r]
            q = S[s, POS]
            if q == 0.0 or (end_open and is_last[r]):
                continue
            slv = S[s, SLV]
            tpv = S[s, TPV]
            if q > 0:
                if (
                    slv == slv
                    and lo_[r] <= slv
                    and _exit(
                        r,
                        s,
                        min(o[r], slv),
                        True,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
                ):
                    continue
                if tpv == tpv and h[r] >= tpv:
                    _exit(
                        r,
                        s,
                        max(o[r], tpv),
                        False,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
            else:
                if (
                    slv == slv
                    and h[r] >= slv
                    and _exit(
                        r,
                        s,
                        max(o[r], slv),
                        True,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
                ):
                    continue
                if tpv == tpv and lo_[r] <= tpv:
                    _exit(
                        r,
                        s,
                        min(o[r], tpv),
                        False,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
        # D: time exits and fill="close" exits at the close
        for r in range(a, b):
            s = sym[r]
            if end_open and is_last[r]:
                continue
            if S[s, POS] != 0.0 and IS[s, HOLD] != 0:
                if IS[s, HOLD] > 0:
                    IS[s, HOLD] -= 1
                if IS[s, HOLD] <= 0:
                    IS[s, HOLD] = -1
                    _exit(
                        r,
                        s,
                        c[r],
                        True,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
            if fill_close:
                _new_order(r, s, tgt, ent, sl, tp, hold, atr, allow_short, S, IS)
                p = IS[s, PEND]
                cur = np.sign(S[s, POS])
                if (
                    p != NONE
                    and cur != 0
                    and (cur != p or IS[s, PFORCE] == 1)
                    and _exit(
                        r,
                        s,
                        c[r],
                        True,
                        False,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
                ):
                    IS[s, PFORCE] = 0
        # E: fill="close" entries; pending orders for the next open; marks; end="close"
        for r in range(a, b):
            s = sym[r]
            last_open = end_open and is_last[r]
            if fill_close and not last_open:
                p = IS[s, PEND]
                if p != NONE:
                    cur = np.sign(S[s, POS])
                    if cur != 0:
                        if cur == p and IS[s, PFORCE] == 0:
                            IS[s, PEND] = NONE
                    elif p == 0 or (
                        _enter(
                            r,
                            s,
                            c[r],
                            p,
                            S,
                            IS,
                            A,
                            lower,
                            upper,
                            tkid,
                            txid,
                            bhi,
                            btk,
                            tx_num,
                            tx_den,
                            tx_rate,
                            cnum,
                            cden,
                            crate,
                            exact,
                            slip,
                            gtick,
                            sz_kind,
                            sz_val,
                        )
                        != 0
                    ):
                        IS[s, PEND] = NONE
            elif not last_open:
                _new_order(r, s, tgt, ent, sl, tp, hold, atr, allow_short, S, IS)
            q = S[s, POS]
            if q != 0.0:
                A[MTM] += q * (c[r] - S[s, MARK])
                A[GROSS] += abs(q) * (c[r] - S[s, MARK])
            S[s, MARK] = c[r]
            if is_last[r]:
                if not end_open:
                    _exit(
                        r,
                        s,
                        c[r],
                        False,
                        True,
                        S,
                        IS,
                        A,
                        ti,
                        tf,
                        ntr,
                        lower,
                        upper,
                        tkid,
                        txid,
                        bhi,
                        btk,
                        tx_num,
                        tx_den,
                        tx_rate,
                        cnum,
                        cden,
                        crate,
                        exact,
                        slip,
                        gtick,
                    )
                IS[s, PEND] = NONE
        eq[g] = A[CASH] + A[MTM]
        gross_out[g] = A[GROSS]
    return g1
