"""The one order gateway: every order, modify and cancel from every entry point passes here.

    authorize ─▶ validate (주문 착오방지) ─▶ risk ─▶ confirm ─▶ journal (durable intent) ─▶ broker ─▶ outcome

* **authorize**: the actor may trade (not a viewer) and the account is theirs; a real account needs
  ``LIVE_TRADING=true`` (``LIVE_DISABLED``; the adapters check again).
* **validate / risk**: typed ``OrderRejected`` before anything is written; a denial changes nothing and
  is written to the audit log.
* **confirm**: a live order, or one above ``ORDER_CONFIRM_AMOUNT``, runs only with the one-time token that
  ``prepare`` issued for exactly that order.
* **journal**: the intent is committed before the broker is called; the same client order id from any
  process finds it and returns the first outcome, never a second order.
* **outcome**: accepted / rejected / failed (never sent: may be sent again) / unknown (reconciled with the
  broker's orders, never re-sent: callers see ``OrderPending``, "결과 확인 중").

``LocalGateway`` runs in the process that owns the account. Everyone else uses a ``RemoteGateway``
(``trading/orders/remote.py``) with the same interface.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from trading import metrics
from trading.brokers.common.http import RequestNotSent
from trading.brokers.errors import (
    AuthError,
    BrokerError,
    OrderPending,
    OrderRejected,
    RateLimited,
    Reason,
)
from trading.brokers.paper.store import DuplicateAttachment
from trading.domain import KST, Order, OrderRequest, Side
from trading.orders.accounts import AccountDirectory, TradingAccount
from trading.orders.commands import Cancel, Command, Modify, action_of, new_client_id, payload, with_client_id
from trading.orders.confirm import Confirmations
from trading.orders.context import OrderContext
from trading.orders.exposure import account_view
from trading.orders.journal import Intent, IntentState, Journal, NewIntent
from trading.orders.lease import Lease
from trading.orders.reconcile import locate
from trading.orders.results import IntentStatus, Preview, RiskReport
from trading.orders.risk import RiskCheck, RiskInput, RiskState, RiskStatus
from trading.orders.validation import order_amount, validate_cancel, validate_modify, validate_place

log = logging.getLogger(__name__)

# What a failure means for the order: never sent (the same client id may try again) or unknown.
NOT_SENT_ERRORS = (RequestNotSent, RateLimited, AuthError)


def _once(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run at most once, on first call (risk checks read the account only if they need it)."""
    box: list[Any] = []

    def get() -> Any:
        if not box:
            box.append(fn())
        return box[0]

    return get


@dataclass(slots=True)
class _Track:
    """One command's metrics: its broker once authorized, its outcome and time in the gateway."""

    action: str
    started: float
    broker: str = "unknown"
    result: str = "accepted"

    def done(self, err: BaseException | None = None) -> None:
        result = self.result if err is None else _result_of(err)
        metrics.order_outcome(self.broker, self.action, result, time.perf_counter() - self.started)


def _result_of(err: BaseException) -> str:
    if isinstance(err, OrderRejected):
        return "rejected"
    if isinstance(err, OrderPending):
        return "unknown"
    if isinstance(err, BrokerError):
        return "failed"
    return "error"


@dataclass(slots=True)
class _Admitted:
    """A command that passed the checks, and the intent that will journal it."""

    account: TradingAccount
    cmd: Command
    item: RiskInput
    intent: NewIntent


class OrderGateway(Protocol):
    def prepare(self, cmd: Command, ctx: OrderContext) -> Preview: ...
    def place(self, req: OrderRequest, ctx: OrderContext) -> Order: ...
    def modify(self, cmd: Modify, ctx: OrderContext) -> Order: ...
    def cancel(self, cmd: Cancel, ctx: OrderContext) -> Order: ...
    def status(self, ctx: OrderContext, client_order_id: str) -> IntentStatus | None: ...
    def risk_state(self, ctx: OrderContext) -> RiskReport: ...
    def set_risk_state(self, ctx: OrderContext, state: str, reason: str = "") -> RiskReport: ...
    def kill(self, ctx: OrderContext, reason: str = "") -> RiskReport: ...


def status_of(intent: Intent, order: Order | None = None) -> IntentStatus:
    return IntentStatus(
        intent.client_order_id, intent.action, intent.state.value, order, intent.reason, intent.message
    )


class LocalGateway:
    """The gateway in the process that owns the accounts in ``accounts`` (see the module docstring)."""

    def __init__(
        self,
        accounts: AccountDirectory,
        journal: Journal,
        *,
        risk: RiskCheck,
        confirmations: Confirmations,
        live_trading: bool,
        confirm_amount: int,
        lease: Lease | None = None,
        inflight_wait_s: float = 5.0,
        now: Callable[[], datetime] = lambda: datetime.now(KST),
    ):
        self.accounts = accounts
        self.journal = journal
        self.risk = risk
        self.confirmations = confirmations
        self.live_trading = live_trading
        self.confirm_amount = confirm_amount
        self.lease = lease
        self.inflight_wait_s = inflight_wait_s
        self._now = now
        self._lock = threading.Lock()
        self._inflight: dict[tuple[str, str], threading.Event] = {}
        self._batch_pool = ThreadPoolExecutor(4, thread_name_prefix="gateway-batch")
        # Called as on_kill(account, reason, by) once the kill switch has halted an account (the bots halt).
        self.on_kill: Callable[[str, str, str], Any] | None = None

    # --- checks --------------------------------------------------------------------------------

    def _authorize(self, ctx: OrderContext) -> TradingAccount:
        if not ctx.actor.role.can_trade:
            raise OrderRejected(Reason.FORBIDDEN, ctx.actor.username)
        acct = self.accounts.account(ctx.account)
        if not self.accounts.may_trade(ctx.actor.username, ctx.account):
            raise OrderRejected(Reason.FORBIDDEN, f"{ctx.actor.username} is not bound to {ctx.account}")
        if acct.live and not self.live_trading:
            raise OrderRejected(Reason.LIVE_DISABLED, ctx.account)
        return acct

    def _order(self, acct: TradingAccount, order_id: object) -> Order | None:
        if not isinstance(order_id, str) or not order_id or len(order_id) > 40:
            return None
        get = getattr(acct.broker, "get_order", None)
        if get is not None:
            return get(order_id)
        same = order_id.lstrip("0")
        return next((o for o in acct.broker.orders() if o.order_id.lstrip("0") == same), None)

    def _check(self, cmd: Command, ctx: OrderContext, acct: TradingAccount) -> tuple[Command, RiskInput]:
        """Validation and risk; returns the normalised command (with a client id) and its risk input."""
        action = action_of(cmd)
        if isinstance(cmd, OrderRequest):
            cmd = validate_place(cmd, acct.rules)
            qty, amount = cmd.qty, order_amount(cmd, acct.rules)
        elif isinstance(cmd, Modify):
            order = self._order(acct, cmd.order_id)
            cmd = validate_modify(cmd, order, acct.rules)
            assert order is not None
            qty = (cmd.qty if cmd.qty is not None else order.qty) - order.filled_qty
            price = cmd.price if cmd.price is not None else order.price
            amount = (price or acct.rules.last_price(order.code) or 0) * qty
        else:
            cmd = validate_cancel(cmd, self._order(acct, cmd.order_id))
            qty, amount = 0, 0
        if cmd.client_order_id is None:
            cmd = with_client_id(cmd, new_client_id())
        reduces = _once(lambda: self._reduces(cmd, acct))
        side = str(getattr(cmd.side, "value", cmd.side)) if isinstance(cmd, OrderRequest) else ""
        code = cmd.code if isinstance(cmd, OrderRequest) else ""
        day = self._now().date()
        metrics.risk_state(acct.name, acct.risk.in_force(day).value)
        view = _once(lambda: account_view(acct.broker)) if acct.limits.account.active else None
        item = RiskInput(ctx, action, qty, amount, acct.limits, acct.risk, reduces, side, code, day, view)
        try:
            self.risk.check(item)
        except OrderRejected as err:
            if err.reason is Reason.DAILY_LOSS:
                self._halt_for_the_day(ctx.account, day, err.detail or "")
            raise
        return cmd, item

    def _halt_for_the_day(self, account: str, day: date, detail: str) -> None:
        """The daily loss limit tripped: HALTED until the next session, reducing sells still allowed."""
        status = RiskStatus(RiskState.HALTED, f"daily loss limit: {detail}"[:200], "risk manager", day, True)
        try:
            self.accounts.set_risk(account, status)
            metrics.risk_state(account, status.state.value)
            log.warning("account %s HALTED for %s by the daily loss limit (%s)", account, day, detail)
        except Exception:  # noqa: BLE001 - the denial stands even if the state cannot be stored now
            log.exception("could not store the daily-loss halt of %s", account)

    def _reduces(self, cmd: Command, acct: TradingAccount) -> bool:
        """Only lowers exposure: a sell within the shares held, a sell's modify, a smaller buy."""
        if isinstance(cmd, OrderRequest):
            if cmd.side is not Side.SELL:
                return False
            held = sum(p.qty for p in acct.broker.balance().positions if p.code == cmd.code)
            return cmd.qty <= held
        if isinstance(cmd, Modify):
            order = self._order(acct, cmd.order_id)
            if order is None:
                return False
            if order.side is Side.SELL:
                return True
            smaller = cmd.qty is not None and cmd.qty < order.qty
            not_higher = cmd.price is None or (order.price is not None and cmd.price <= order.price)
            return smaller and not_higher
        return True

    def _confirm_reasons(self, acct: TradingAccount, action: str, amount: int) -> tuple[str, ...]:
        if action == "cancel":
            return ()
        reasons = []
        if acct.live:
            reasons.append("live")
        if amount > self.confirm_amount:
            reasons.append("large")
        return tuple(reasons)

    def _deny(self, err: OrderRejected, ctx: OrderContext, cmd: Command) -> None:
        metrics.DENIALS.labels(err.reason.value).inc()
        log.info(
            "order denied: %s %s by %s via %s on %s: %s",
            action_of(cmd), payload_safe(cmd), ctx.actor.username, ctx.entry, ctx.account, err.message_en,
        )  # fmt: skip
        try:
            self.journal.denied(
                ctx.actor.username,
                ctx.account,
                str(ctx.entry),
                action_of(cmd),
                {"reason": err.reason.value, "detail": err.detail, **payload_safe(cmd)},
            )
        except Exception:  # noqa: BLE001 - an audit write must not turn a denial into a crash
            log.exception("could not audit a denial")

    # --- the public interface ------------------------------------------------------------------

    def prepare(self, cmd: Command, ctx: OrderContext) -> Preview:
        """Check ``cmd`` without running it; issue the confirmation token it needs, if any."""
        try:
            acct = self._authorize(ctx)
            cmd, item = self._check(cmd, ctx, acct)
        except OrderRejected as err:
            self._deny(err, ctx, cmd)
            raise
        cid = cmd.client_order_id or ""
        action, body = action_of(cmd), payload(cmd)
        reasons = self._confirm_reasons(acct, action, item.amount)
        token = self.confirmations.issue(ctx, action, body, cid) if reasons else None
        return Preview(action, cid, body, item.amount, reasons, token)

    def place(self, req: OrderRequest, ctx: OrderContext) -> Order:
        return self._run(req, ctx)

    def modify(self, cmd: Modify, ctx: OrderContext) -> Order:
        return self._run(cmd, ctx)

    def cancel(self, cmd: Cancel, ctx: OrderContext) -> Order:
        return self._run(cmd, ctx)

    def status(self, ctx: OrderContext, client_order_id: str) -> IntentStatus | None:
        if not self.accounts.may_trade(ctx.actor.username, ctx.account):
            raise OrderRejected(Reason.FORBIDDEN, f"{ctx.actor.username} is not bound to {ctx.account}")
        intent = self.journal.get(ctx.account, client_order_id)
        if intent is None:
            return None
        if intent.state is IntentState.UNKNOWN or (
            intent.state is IntentState.PENDING and (ctx.account, client_order_id) not in self._inflight
        ):
            self._reconcile_one(intent)
            intent = self.journal.get(ctx.account, client_order_id) or intent
        return status_of(intent, self._stored_order(intent))

    # --- the account's risk state and the kill switch ------------------------------------------

    def _authorize_state(self, ctx: OrderContext) -> TradingAccount:
        """Who may change an account's state: a trader or admin bound to it (no LIVE_TRADING needed: a
        kill switch must work when trading is off)."""
        if not ctx.actor.role.can_trade:
            raise OrderRejected(Reason.FORBIDDEN, ctx.actor.username)
        acct = self.accounts.account(ctx.account)
        if not self.accounts.may_trade(ctx.actor.username, ctx.account):
            raise OrderRejected(Reason.FORBIDDEN, f"{ctx.actor.username} is not bound to {ctx.account}")
        return acct

    def risk_state(self, ctx: OrderContext) -> RiskReport:
        """The account's risk state."""
        if not self.accounts.may_trade(ctx.actor.username, ctx.account):
            raise OrderRejected(Reason.FORBIDDEN, f"{ctx.actor.username} is not bound to {ctx.account}")
        st = self.accounts.account(ctx.account).risk
        return RiskReport(ctx.account, st.in_force(self._now().date()).value, st.reason, st.by)

    def set_risk_state(self, ctx: OrderContext, state: str, reason: str = "") -> RiskReport:
        """Put the account in ``state`` (active = resume, reducing, halted); open orders stay."""
        self._authorize_state(ctx)
        try:
            target = RiskState(state)
        except ValueError:
            raise OrderRejected(Reason.BAD_RISK_STATE, str(state)[:20]) from None
        status = RiskStatus(target, reason[:200], ctx.actor.username)
        self.accounts.set_risk(ctx.account, status)
        metrics.risk_state(ctx.account, target.value)
        log.warning("account %s is now %s (%s) by %s", ctx.account, target.value, reason, ctx.actor.username)
        return RiskReport(ctx.account, target.value, status.reason, status.by)

    def kill(self, ctx: OrderContext, reason: str = "") -> RiskReport:
        """The kill switch: the account goes HALTED first (no new order or modify passes from now on), then
        every open order is cancelled through this gateway (journaled, audited). Only a resume
        (``set_risk_state(..., "active")``) undoes it."""
        acct = self._authorize_state(ctx)
        status = RiskStatus(RiskState.HALTED, (reason or "kill switch")[:200], ctx.actor.username)
        self.accounts.set_risk(ctx.account, status)
        metrics.risk_state(ctx.account, status.state.value)
        metrics.KILLS.labels(ctx.account).inc()
        if self.on_kill is not None:
            try:
                self.on_kill(ctx.account, f"kill switch: {status.reason}", ctx.actor.username)
            except Exception:  # noqa: BLE001 - the account is halted whatever the bots' rows say
                log.exception("kill switch: halting the bots of %s failed", ctx.account)
        cancelled: list[str] = []
        failed: list[str] = []
        for order in acct.broker.open_orders():
            try:
                self._run(Cancel(order.order_id), ctx)
                cancelled.append(order.order_id)
            except (OrderRejected, OrderPending, BrokerError) as err:
                failed.append(f"{order.order_id}: {err}")
        log.warning(
            "KILL SWITCH on %s by %s: %d cancelled, %d failed (%s)",
            ctx.account, ctx.actor.username, len(cancelled), len(failed), status.reason,
        )  # fmt: skip
        return RiskReport(ctx.account, status.state.value, status.reason, status.by, tuple(cancelled),
                          tuple(failed))  # fmt: skip

    # --- running a command ---------------------------------------------------------------------

    def _known(self, cmd: Command, ctx: OrderContext) -> Intent | None:
        """The journal's intent for ``cmd``'s client id, when the caller may see it; ``BAD_CLIENT_ID``
        when the id was used for a different command."""
        cid = cmd.client_order_id
        if not isinstance(cid, str) or not cid:
            return None
        known = self.journal.get(ctx.account, cid)
        if known is None or known.state is IntentState.FAILED:
            return None
        if known.action != action_of(cmd) or known.payload != payload(cmd):
            raise OrderRejected(Reason.BAD_CLIENT_ID, f"{cid} was used for another {known.action}")
        if not (ctx.actor.role.can_trade and self.accounts.may_trade(ctx.actor.username, ctx.account)):
            return None
        return known

    def _admit(self, cmd: Command, ctx: OrderContext, track: _Track) -> _Admitted | Order:
        """Authorize, validate, risk-check and confirm ``cmd``: what may run, or the order a retried client
        id already made. ``OrderRejected`` (audited) otherwise. ``track`` learns the account's broker."""
        original = cmd
        try:
            acct = self._authorize(ctx)
            track.broker = acct.broker_kind
            cmd, item = self._check(cmd, ctx, acct)
            action, body, cid = action_of(cmd), payload(cmd), cmd.client_order_id or ""
            reasons = self._confirm_reasons(acct, action, item.amount)
            if reasons and not self.confirmations.valid(ctx.confirm_token, ctx, action, body, cid):
                raise OrderRejected(Reason.CONFIRM_REQUIRED, " + ".join(reasons))
            if self.lease is not None:
                self.lease.check()
        except OrderRejected as err:
            # A retry of a command that went through is answered from the journal, even when the market
            # moved, a limit filled up or the confirmation is gone since: it must not look refused.
            try:
                known = self._known(original, ctx)
            except OrderRejected as mismatch:
                self._deny(mismatch, ctx, original)
                raise mismatch from None
            if known is not None and err.reason is not Reason.NOT_OWNER:
                track.result = "retry"
                return self._existing(known)
            self._deny(err, ctx, original)
            raise
        target = None if isinstance(cmd, OrderRequest) else cmd.order_id
        new = NewIntent(
            ctx.account, cid, action, body, ctx.actor.username, str(ctx.entry), self._now(), target
        )
        return _Admitted(acct, cmd, item, new)

    def _run(self, cmd: Command, ctx: OrderContext) -> Order:
        track = _Track(action_of(cmd), time.perf_counter())
        try:
            order = self._run_tracked(cmd, ctx, track)
        except BaseException as err:
            track.done(err)
            raise
        track.done()
        return order

    def _run_tracked(self, cmd: Command, ctx: OrderContext, track: _Track) -> Order:
        ok = self._admit(cmd, ctx, track)
        if isinstance(ok, Order):
            return ok
        acct, cmd, item, new = ok.account, ok.cmd, ok.item, ok.intent
        journaled = getattr(acct.broker, "place_orders_journaled", None)
        if isinstance(cmd, OrderRequest) and journaled is not None:
            (result,) = self._finish_journaled([ok], journaled([(acct.name, cmd, new)]), [ctx])
            if isinstance(result, Exception):
                raise result
            return result
        action, body, cid = new.action, new.payload, new.client_order_id
        scope, fence = (self.lease.scope, self.lease.token) if self.lease is not None else (None, None)
        key = (ctx.account, cid)
        with self._lock:
            event = self._inflight.setdefault(key, threading.Event())
        try:
            intent, created = self.journal.begin(new, scope, fence)
            if not created:
                if intent.action != action or intent.payload != body:
                    err = OrderRejected(Reason.BAD_CLIENT_ID, f"{cid} was used for another {intent.action}")
                    self._deny(err, ctx, cmd)
                    raise err
                track.result = "retry"
                return self._existing(intent)
            self.risk.record(item)
            return self._send(acct, cmd, intent)
        finally:
            with self._lock:
                if self._inflight.get(key) is event:
                    del self._inflight[key]
            event.set()

    def place_many(self, items: list[tuple[OrderRequest, OrderContext]]) -> list[Order | BrokerError]:
        """Place several orders at once (the RPC loop's batch, a bot's basket): each is checked as
        ``place`` checks it; those for a paper account are written in one transaction per account.
        Returns, in order, each order or the typed error it met."""
        out: list[Order | BrokerError | None] = [None] * len(items)
        groups: dict[int, tuple[Any, list[int], list[_Admitted]]] = {}
        tracks = [_Track("place", time.perf_counter()) for _ in items]
        by_run: set[int] = set()  # placed through ``_run``, which counts them itself
        for k, (req, ctx) in enumerate(items):
            try:
                ok = self._admit(req, ctx, tracks[k])
            except BrokerError as err:
                out[k] = err
                continue
            if isinstance(ok, Order):
                out[k] = ok
                continue
            journaled = getattr(ok.account.broker, "place_orders_journaled", None)
            if journaled is None:
                by_run.add(k)
                try:
                    out[k] = self._run(req, ctx)
                except BrokerError as err:
                    out[k] = err
                continue
            key = getattr(ok.account.broker, "batch_key", id(ok.account))
            entry = groups.setdefault(key, (journaled, [], []))
            entry[1].append(k)
            entry[2].append(ok)

        def run(group: tuple[Any, list[int], list[_Admitted]]) -> None:
            journaled, ks, oks = group
            results = journaled([(ok.account.name, ok.cmd, ok.intent) for ok in oks])
            done = self._finish_journaled(oks, results, [items[k][1] for k in ks])
            for k, res in zip(ks, done, strict=True):
                out[k] = res

        batches = list(groups.values())
        if len(batches) > 1:  # markets (or brokers) apart write in parallel
            list(self._batch_pool.map(run, batches))
        elif batches:
            run(batches[0])
        for k, (track, res) in enumerate(zip(tracks, out, strict=True)):
            if k not in by_run:
                track.done(res if isinstance(res, BaseException) else None)
        return out  # type: ignore[return-value]

    def _finish_journaled(
        self, oks: list[_Admitted], results: list[Order | Exception], ctxs: list[OrderContext]
    ) -> list[Order | BrokerError]:
        """Map what a journaled broker answered to what the callers get (see ``_place_journaled``)."""
        done: list[Order | BrokerError] = []
        for ok, res, ctx in zip(oks, results, ctxs, strict=True):
            try:
                done.append(self._place_journaled(ok, res, ctx))
            except BrokerError as err:
                done.append(err)
        return done

    def _place_journaled(self, ok: _Admitted, result: Order | Exception, ctx: OrderContext) -> Order:
        """A broker whose orders live in this database (the paper exchange) wrote the intent in the same
        transaction as the order: both committed or neither did, so no outcome can be unknown."""
        new, req = ok.intent, ok.cmd
        if isinstance(result, DuplicateAttachment):  # journaled before (an older order, another writer)
            known = self.journal.get(ctx.account, new.client_order_id)
            if known is None:
                raise OrderPending(new.client_order_id, "the journal refused a duplicate")
            if known.action != new.action or known.payload != new.payload:
                err = OrderRejected(
                    Reason.BAD_CLIENT_ID, f"{new.client_order_id} was used for another {known.action}"
                )
                self._deny(err, ctx, req)
                raise err
            return self._existing(known)
        if isinstance(result, OrderRejected):
            self._deny(result, ctx, req)
            raise result
        if isinstance(result, BrokerError):  # the commit's outcome is unclear: the journal will tell
            log.warning("order %s on %s: %s", new.client_order_id, ctx.account, result)
            raise OrderPending(new.client_order_id, result.message_en) from result
        if isinstance(result, Exception):
            log.error("order %s on %s: %r", new.client_order_id, ctx.account, result)
            raise OrderPending(new.client_order_id, type(result).__name__) from result
        self.risk.record(ok.item)
        return result

    def _send(self, acct: TradingAccount, cmd: Command, intent: Intent) -> Order:
        try:
            if isinstance(cmd, OrderRequest):
                order = acct.broker.place_order(cmd)
            elif isinstance(cmd, Modify):
                order = acct.broker.modify_order(cmd.order_id, cmd.price, cmd.qty)
            else:
                order = acct.broker.cancel_order(cmd.order_id, cmd.qty)
        except OrderRejected as err:
            self._finish(intent, IntentState.REJECTED, reason=err.reason.value, message=err.detail or None)
            raise
        except NOT_SENT_ERRORS as err:
            self._finish(intent, IntentState.FAILED, message=str(err)[:300])
            raise
        except BrokerError as err:
            log.warning(
                "order %s on %s: outcome unknown (%s); reconciling", intent.client_order_id, acct.name, err
            )
            self._finish(intent, IntentState.UNKNOWN, message=str(err)[:300])
            raise OrderPending(intent.client_order_id, err.message_en) from err
        except Exception as err:  # noqa: BLE001 - anything else mid-send: unknown, never re-sent
            log.exception("order %s on %s: unexpected error while sending", intent.client_order_id, acct.name)
            self._finish(intent, IntentState.UNKNOWN, message=f"{type(err).__name__}: {err}"[:300])
            raise OrderPending(intent.client_order_id, type(err).__name__) from err
        if order.client_order_id is None and isinstance(cmd, OrderRequest):
            order.client_order_id = intent.client_order_id
        self._finish(intent, IntentState.ACCEPTED, order=order)
        return order

    def _finish(self, intent: Intent, state: IntentState, **kw: Any) -> None:
        try:
            self.journal.finish(intent.id, state, now=self._now(), **kw)
        except Exception:  # noqa: BLE001 - the broker's answer stands; the reconciler settles the row
            log.exception("could not record the outcome of %s (%s)", intent.client_order_id, state)

    def _existing(self, intent: Intent) -> Order:
        """The outcome of an intent that already exists (a retry, or the same id from another process)."""
        key = (intent.account, intent.client_order_id)
        deadline = time.monotonic() + self.inflight_wait_s
        while intent.state is IntentState.PENDING and time.monotonic() < deadline:
            with self._lock:
                event = self._inflight.get(key)
            if event is not None:
                event.wait(max(0.0, deadline - time.monotonic()))
            else:
                time.sleep(0.05)  # another process is sending it
            intent = self.journal.get(intent.account, intent.client_order_id) or intent
        if intent.state.open:
            # Still pending after the wait and not being sent here: the sender died (only the lease
            # holder sends), so settle it from the broker's side, as for an unknown outcome.
            intent = self._reconcile_one(intent) or intent
        if intent.state is IntentState.ACCEPTED:
            order = self._stored_order(intent)
            if order is not None:
                return order
        if intent.state is IntentState.REJECTED:
            raise OrderRejected(Reason(intent.reason or Reason.BROKER.value), intent.message or "")
        if intent.state is IntentState.LOST:
            raise OrderRejected(Reason.LOST, intent.client_order_id)
        raise OrderPending(intent.client_order_id)

    def _stored_order(self, intent: Intent) -> Order | None:
        """The intent's order as the broker has it now, else as the journal stored it (if it did)."""
        from trading.brokers.wire import decode

        stored = decode(intent.result) if intent.result is not None else None
        order_id = intent.order_id or (stored.order_id if stored is not None else None)
        if order_id is None:
            return None
        try:
            current = self._order(self.accounts.account(intent.account), order_id)
        except Exception:  # noqa: BLE001 - the stored copy is the answer when the broker is away
            current = None
        if current is not None:
            if current.client_order_id is None and intent.action == "place":
                current.client_order_id = intent.client_order_id
            return current
        return stored

    # --- reconciliation ------------------------------------------------------------------------

    def _reconcile_one(self, intent: Intent) -> Intent | None:
        """Look ``intent`` up at the broker once; returns the updated intent when it settled."""
        try:
            acct = self.accounts.account(intent.account)
            since = datetime.combine(intent.created_at.date(), datetime.min.time(), intent.created_at.tzinfo)
            claimed = self.journal.claimed_order_ids(intent.account, since)
            found = locate(acct.broker, intent, claimed, window_s=max(acct.listing_lag_s, 60.0))
        except BrokerError as err:
            log.info("reconcile %s: broker unavailable (%s)", intent.client_order_id, err)
            return None
        now = self._now()
        if found is not None:
            if found.client_order_id is None and intent.action == "place":
                found.client_order_id = intent.client_order_id
            self._finish(intent, IntentState.ACCEPTED, order=found)
            log.info("reconciled %s on %s: order %s", intent.client_order_id, intent.account, found.order_id)
        elif now - intent.created_at >= timedelta(seconds=acct.listing_lag_s):
            self._finish(
                intent, IntentState.LOST, message="not in the broker's orders after the listing window"
            )
            log.warning(
                "reconcile %s on %s: not at the broker, marked lost", intent.client_order_id, intent.account
            )
        else:
            return None
        return self.journal.get(intent.account, intent.client_order_id)

    def reconcile(self) -> dict[str, int]:
        """Settle every open intent not being sent by this process right now; counts by outcome."""
        counts = {"accepted": 0, "lost": 0, "open": 0}
        for intent in self.journal.unresolved():
            if (intent.account, intent.client_order_id) in self._inflight:
                continue
            done = self._reconcile_one(intent)
            key = done.state.value if done is not None and done.state.value in counts else "open"
            counts[key] += 1
        return counts


def payload_safe(cmd: Command) -> dict[str, Any]:
    """The command for a log line or the audit log (never raises on garbage input)."""
    try:
        body = payload(cmd)
    except Exception:  # noqa: BLE001
        return {"command": repr(cmd)[:200]}
    return {k: (v if isinstance(v, int | str | None) else repr(v)[:40]) for k, v in body.items()}
