"""The KIS side of the realtime feed: approval key, subscribe frames, control replies, data.

| channel | TR | tr_key |
|---|---|---|
| TICKS | H0STCNT0 | stock code |
| BOOKS | H0STASP0 | stock code |
| FILLS | H0STCNI0 (real) / H0STCNI9 (mock), AES-256-CBC | HTS ID |
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from trading.brokers.base import Channel
from trading.brokers.common.feed import Handled, Topic
from trading.brokers.common.sequence import TickSequencer
from trading.brokers.errors import BrokerUnavailable
from trading.brokers.kis import frames
from trading.brokers.kis.options import KisOptions

log = logging.getLogger(__name__)

TICK_TR = "H0STCNT0"
BOOK_TR = "H0STASP0"
APPROVAL_MAX_AGE_S = 12 * 3600  # lifetime UNCONFIRMED; the sample re-issues after a day


class KisFeedProtocol:
    """Implements ``FeedProtocol`` for KIS (``ws://…/tryitout``, JSON control, ``|`` data)."""

    label = "kis"
    frame_interval_s = 0.0

    def __init__(self, opts: KisOptions, fetch_approval_key: Callable[[], str]):
        self.opts = opts
        self.max_subscriptions = opts.max_ws_subscriptions
        self._fetch_approval_key = fetch_approval_key
        self._approval: tuple[str, float] | None = None
        self._keys: dict[str, tuple[str, str]] = {}  # tr_id -> (key, iv)
        self._lock = threading.Lock()
        self._sequencer = TickSequencer()
        self._fill_numbers = frames.FillNumbering()
        self.control_errors: list[str] = []

    # ---- connection ---------------------------------------------------------------------
    def url(self) -> str:
        return self.opts.websocket_url()

    def prepare(self) -> None:
        with self._lock:
            if self._approval is None or time.time() - self._approval[1] > APPROVAL_MAX_AGE_S:
                self._approval = (self._fetch_approval_key(), time.time())

    async def login(self, ws: Any) -> None:
        return None  # the approval key travels in every subscribe frame

    def _approval_key(self) -> str:
        if self._approval is None:
            self.prepare()
        assert self._approval is not None
        return self._approval[0]

    # ---- subscriptions ------------------------------------------------------------------
    def slots(self, topics: set[Topic]) -> int:
        return len(topics)  # one registration per (TR, tr_key)

    def _tr(self, topic: Topic) -> tuple[str, str]:
        channel, code = topic
        if channel == Channel.TICKS:
            return TICK_TR, code
        if channel == Channel.BOOKS:
            return BOOK_TR, code
        if not self.opts.hts_id:
            raise BrokerUnavailable("KIS fill notices need the HTS ID (setting KIS_HTS_ID)")
        return self.opts.fill_tr_id, self.opts.hts_id

    def _frame(self, topic: Topic, tr_type: str) -> str:
        tr_id, tr_key = self._tr(topic)
        return json.dumps(
            {
                "header": {
                    "approval_key": self._approval_key(),
                    "custtype": self.opts.custtype,
                    "tr_type": tr_type,
                    "content-type": "utf-8",
                },
                "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
            }
        )

    def subscribe_frames(self, topics: Sequence[Topic]) -> list[str]:
        return [self._frame(t, "1") for t in topics]

    def unsubscribe_frames(self, topics: Sequence[Topic]) -> list[str]:
        return [self._frame(t, "2") for t in topics]

    # ---- incoming -----------------------------------------------------------------------
    def handle(self, raw: str) -> Handled:
        frame = frames.split_frame(raw)
        if frame is None:
            return self._control(raw)
        return Handled(events=self._data(frame))

    def _control(self, raw: str) -> Handled:
        try:
            message = json.loads(raw)
        except ValueError:
            return Handled()
        header = message.get("header") or {}
        tr_id = str(header.get("tr_id") or "")
        if tr_id == "PINGPONG":
            return Handled(replies=[raw])  # echo as text (python-kis); keeps the session alive
        body = message.get("body") or {}
        output = body.get("output") or {}
        if output.get("key") and output.get("iv"):
            self._keys[tr_id] = (str(output["key"]), str(output["iv"]))
        if str(body.get("rt_cd", "0")) != "0":
            text = f"{tr_id} {header.get('tr_key', '')}: [{body.get('msg_cd')}] {body.get('msg1')}"
            log.warning("KIS websocket control error %s", text)
            self.control_errors = [*self.control_errors[-19:], text]
        return Handled()

    def _data(self, frame: frames.DataFrame) -> list[tuple[Topic, object]]:
        payload = frame.payload
        if frame.encrypted:
            key_iv = self._keys.get(frame.tr_id)
            if key_iv is None:
                log.warning("KIS %s: encrypted frame before its key arrived; dropped", frame.tr_id)
                return []
            payload = frames.decrypt(payload, *key_iv)
        events: list[tuple[Topic, object]] = []
        if frame.tr_id == TICK_TR:
            for values in frames.records(payload, frame.count, frames.TICK_FIELDS):
                t = frames.tick(values, self._sequencer)
                events.append(((Channel.TICKS, t.code), t))
        elif frame.tr_id == BOOK_TR:
            for values in frames.records(payload, frame.count, frames.BOOK_FIELDS):
                b = frames.book(values)
                events.append(((Channel.BOOKS, b.code), b))
        elif frame.tr_id in ("H0STCNI0", "H0STCNI9"):
            for values in frames.records(payload, frame.count, frames.FILL_FIELDS):
                f = frames.fill(values, self._fill_numbers)
                if f is not None:
                    events.append(((Channel.FILLS, ""), f))
        return events
