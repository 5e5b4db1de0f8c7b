"""A realtime websocket feed on its own thread and asyncio loop, with a no-data watchdog.

The broker-specific part is a ``FeedProtocol`` (URL, login, subscribe frames, frame parser); this
module connects, logs in, (re)subscribes everything, echoes what the protocol says to echo, hands
domain objects to ``subscribe()`` callbacks, and reconnects when the socket drops or stays silent
for ``stale_after_s`` while something is subscribed. Every interruption is recorded as a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import websockets
from websockets.asyncio.client import connect

from trading import metrics
from trading.brokers.base import Channel
from trading.brokers.errors import BrokerUnavailable
from trading.domain import KST

log = logging.getLogger(__name__)

Topic = tuple[Channel, str]  # (channel, code); FILLS use code ""


@dataclass(slots=True)
class Handled:
    """What one incoming frame means: frames to send back and events to deliver."""

    replies: list[str] = field(default_factory=list)
    events: list[tuple[Topic, object]] = field(default_factory=list)


class FeedProtocol(Protocol):
    label: str
    max_subscriptions: int
    frame_interval_s: float  # pause between subscribe frames (broker registration rate)

    def url(self) -> str: ...
    def prepare(self) -> None: ...  # blocking set-up before each connect (e.g. approval key)
    async def login(self, ws: Any) -> None: ...
    def slots(self, topics: set[Topic]) -> int: ...
    def subscribe_frames(self, topics: Sequence[Topic]) -> list[str]: ...
    def unsubscribe_frames(self, topics: Sequence[Topic]) -> list[str]: ...
    def handle(self, raw: str) -> Handled: ...


@dataclass(slots=True)
class FeedGap:
    start: datetime
    end: datetime | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "reason": self.reason,
        }


def idle_status() -> dict[str, Any]:
    """``feed_status()`` of an adapter that has not started its feed."""
    return {
        "connected": False,
        "subscriptions": [],
        "last_message_age_s": None,
        "reconnects": 0,
        "gaps": [],
        "last_error": None,
    }


class _Stale(Exception):
    pass


class FeedSubscription:
    """Handle returned by ``subscribe``; ``cancel()`` stops the callback (idempotent)."""

    def __init__(self, feed: Feed, topics: list[Topic], callback: Callable[[object], None]):
        self._feed = feed
        self.topics = topics
        self.callback = callback
        self._cancelled = False

    def cancel(self) -> None:
        if not self._cancelled:
            self._cancelled = True
            self._feed._remove(self)


class Feed:
    """One websocket session shared by every subscription of an adapter."""

    def __init__(
        self,
        protocol: FeedProtocol,
        *,
        stale_after_s: float = 60.0,
        reconnect_delay_s: float = 0.5,
        max_reconnect_delay_s: float = 30.0,
        open_timeout_s: float = 10.0,
        max_gaps: int = 100,
    ):
        self.protocol = protocol
        self.stale_after_s = stale_after_s
        self.reconnect_delay_s = reconnect_delay_s
        self.max_reconnect_delay_s = max_reconnect_delay_s
        self.open_timeout_s = open_timeout_s
        self.max_gaps = max_gaps
        self._lock = threading.RLock()
        self._subs: dict[Topic, list[FeedSubscription]] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: Any = None
        self._stop = threading.Event()
        self._connected = False
        self._last_rx = time.monotonic()
        self._last_rx_wall: datetime | None = None
        self._reconnects = 0
        self._gaps: list[FeedGap] = []
        self._last_error: str | None = None
        self._had_data = False

    # ---- public -------------------------------------------------------------------------
    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> FeedSubscription:
        """Deliver ``channel`` events for ``codes`` to ``callback`` (FILLS ignore codes)."""
        topics: list[Topic] = [(channel, "")] if channel == Channel.FILLS else [(channel, c) for c in codes]
        with self._lock:
            new = [t for t in dict.fromkeys(topics) if t not in self._subs]
            if self.protocol.slots(set(self._subs) | set(new)) > self.protocol.max_subscriptions:
                raise BrokerUnavailable(
                    f"{self.protocol.label}: realtime subscription cap reached "
                    f"({self.protocol.max_subscriptions} registrations per session)"
                )
            sub = FeedSubscription(self, topics, callback)
            for topic in topics:
                self._subs.setdefault(topic, []).append(sub)
            if new:
                self._last_rx = time.monotonic()
        self._ensure_running()
        if new:
            self._send_soon(self.protocol.subscribe_frames(new))
        return sub

    def feed_status(self) -> dict[str, Any]:
        """Connection state for the UI: connected, subscriptions, last message age, reconnects, gaps."""
        with self._lock:
            age = None if self._last_rx_wall is None else round(time.monotonic() - self._last_rx, 3)
            return {
                "connected": self._connected,
                "subscriptions": sorted(
                    f"{ch.value}:{code}" if code else ch.value for ch, code in self._subs
                ),
                "last_message_age_s": age,
                "reconnects": self._reconnects,
                "gaps": [g.as_dict() for g in self._gaps],
                "last_error": self._last_error,
            }

    def close(self) -> None:
        """Stop the thread and close the socket; never raises."""
        self._stop.set()
        loop, thread = self._loop, self._thread
        if loop is not None and loop.is_running():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(lambda: None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._connected = False

    # ---- subscription bookkeeping -----------------------------------------------------------
    def _remove(self, sub: FeedSubscription) -> None:
        gone: list[Topic] = []
        with self._lock:
            for topic in sub.topics:
                subs = self._subs.get(topic, [])
                if sub in subs:
                    subs.remove(sub)
                if not subs and topic in self._subs:
                    del self._subs[topic]
                    gone.append(topic)
        if gone:
            self._send_soon(self.protocol.unsubscribe_frames(gone))

    def _topics(self) -> list[Topic]:
        with self._lock:
            return list(self._subs)

    def _dispatch(self, topic: Topic, event: object) -> None:
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for sub in subs:
            try:
                sub.callback(event)
            except Exception:  # noqa: BLE001 - a bad callback must not kill the feed
                log.exception("%s: subscriber callback failed", self.protocol.label)

    # ---- thread and loop ------------------------------------------------------------------
    def _ensure_running(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name=f"{self.protocol.label}-feed", daemon=True
            )
            self._thread.start()
        ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    def _send_soon(self, frames: list[str]) -> None:
        loop = self._loop
        if not frames or loop is None or not self._connected:
            return  # sent on (re)connect instead
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._send(frames), loop)

    async def _send(self, frames: list[str]) -> None:
        ws = self._ws
        if ws is None:
            return
        for i, frame in enumerate(frames):
            if i and self.protocol.frame_interval_s:
                await asyncio.sleep(self.protocol.frame_interval_s)
            try:
                await ws.send(frame)
            except websockets.ConnectionClosed:
                return

    async def _main(self) -> None:
        delay = self.reconnect_delay_s
        while not self._stop.is_set():
            reason = await self._session()
            if self._stop.is_set():
                break
            self._open_gap(reason)
            self._reconnects += 1
            log.warning("%s feed: %s; reconnecting in %.1fs", self.protocol.label, reason, delay)
            await self._sleep(delay)
            delay = (
                min(delay * 2, self.max_reconnect_delay_s) if not self._had_data else self.reconnect_delay_s
            )

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < end:
            await asyncio.sleep(min(0.05, max(end - time.monotonic(), 0)))

    async def _session(self) -> str:
        """One connection's life; returns why it ended."""
        self._had_data = False
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.protocol.prepare)
            async with connect(
                self.protocol.url(), ping_interval=None, open_timeout=self.open_timeout_s, max_size=2**22
            ) as ws:
                await self.protocol.login(ws)
                self._ws = ws
                self._last_rx = time.monotonic()
                self._connected = True
                metrics.WS_CONNECTED.labels(self.protocol.label).set(1)
                self._last_error = None
                await self._send(self.protocol.subscribe_frames(self._topics()))
                return await self._read(ws)
        except _Stale as err:
            return str(err)
        except websockets.ConnectionClosed as err:
            return f"connection closed ({err.rcvd.code if err.rcvd else 'no close frame'})"
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - any failure means reconnect later
            self._last_error = f"{type(err).__name__}: {err}"
            return f"connect failed: {self._last_error}"
        finally:
            if self._connected:
                metrics.WS_CONNECTED.labels(self.protocol.label).set(0)
                metrics.WS_RECONNECTS.labels(self.protocol.label).inc()
            self._connected = False
            self._ws = None

    async def _read(self, ws: Any) -> str:
        while not self._stop.is_set():
            watching = bool(self._topics())
            idle = time.monotonic() - self._last_rx
            if watching and idle >= self.stale_after_s:
                raise _Stale(f"no data for {self.stale_after_s:g}s")
            timeout = min(0.25, self.stale_after_s - idle) if watching else 0.25
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(timeout, 0.01))
            except TimeoutError:
                continue
            self._on_frame(raw)
            handled = self._handle(raw)
            for reply in handled.replies:
                await ws.send(reply)
            for topic, event in handled.events:
                self._dispatch(topic, event)
        return "closed by the adapter"

    def _handle(self, raw: str | bytes) -> Handled:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            handled = self.protocol.handle(text)
        except Exception:  # noqa: BLE001 - one bad frame must not stop the feed
            log.exception("%s feed: cannot parse frame %.120r", self.protocol.label, text)
            return Handled()
        if handled.events:
            metrics.feed_event(self.protocol.label)
            self._had_data = True
            self._close_gap()
        return handled

    def _on_frame(self, raw: Any) -> None:
        with self._lock:
            self._last_rx = time.monotonic()
            self._last_rx_wall = datetime.now(KST)

    # ---- gaps ---------------------------------------------------------------------------
    def _open_gap(self, reason: str) -> None:
        with self._lock:
            if self._gaps and self._gaps[-1].end is None:
                return  # still inside the previous gap
            start = self._last_rx_wall or datetime.now(KST)
            self._gaps.append(FeedGap(start, None, reason))
            del self._gaps[: -self.max_gaps]

    def _close_gap(self) -> None:
        with self._lock:
            if self._gaps and self._gaps[-1].end is None:
                self._gaps[-1].end = datetime.now(KST)
