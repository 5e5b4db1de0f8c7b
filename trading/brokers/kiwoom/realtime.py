"""The Kiwoom side of the realtime feed: LOGIN with the token, REG/REMOVE, PING echo, REAL data.

| channel | type | item |
|---|---|---|
| TICKS | 0B 주식체결 | stock code |
| BOOKS | 0D 호가잔량 | stock code |
| FILLS | 00 주문체결 | ``""`` |
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from trading.brokers.base import Channel
from trading.brokers.common.feed import Handled, Topic
from trading.brokers.common.sequence import TickSequencer
from trading.brokers.common.values import kst_at, now_kst, strip_code, to_float, to_int, to_price
from trading.brokers.errors import AuthError
from trading.brokers.kiwoom.options import KiwoomOptions
from trading.domain import BookLevel, Fill, OrderBook, Side, Tick

log = logging.getLogger(__name__)

TYPES = {Channel.TICKS: "0B", Channel.BOOKS: "0D", Channel.FILLS: "00"}
GROUP = "1"


class KiwoomFeedProtocol:
    label = "kiwoom"

    def __init__(self, opts: KiwoomOptions, get_token: Callable[[], str], invalidate: Callable[[str], None]):
        self.opts = opts
        self.max_subscriptions = opts.max_ws_items
        self.frame_interval_s = opts.reg_interval_s
        self._get_token = get_token
        self._invalidate = invalidate
        self._token = ""
        self._sequencer = TickSequencer()
        self._fill_numbers: dict[str, int] = {}
        self.control_errors: list[str] = []

    def url(self) -> str:
        return self.opts.ws_url

    def prepare(self) -> None:
        self._token = self._get_token()

    async def login(self, ws: Any) -> None:
        """Send LOGIN and wait for its answer; on refusal renew the token once and retry."""
        loop = asyncio.get_running_loop()
        for attempt in range(2):
            await ws.send(json.dumps({"trnm": "LOGIN", "token": self._token}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message.get("trnm") == "PING":
                    await ws.send(json.dumps(message))
                    continue
                if message.get("trnm") == "LOGIN":
                    break
            if str(message.get("return_code", "0")) == "0":
                return
            if attempt == 0:
                await loop.run_in_executor(None, self._invalidate, self._token)
                self._token = await loop.run_in_executor(None, self._get_token)
        raise AuthError("Kiwoom websocket LOGIN refused", broker_message=str(message.get("return_msg") or ""))

    def slots(self, topics: set[Topic]) -> int:
        return len({code for channel, code in topics if channel != Channel.FILLS})

    def _frames(self, trnm: str, topics: Sequence[Topic]) -> list[str]:
        by_type: dict[str, list[str]] = {}
        for channel, code in topics:
            by_type.setdefault(TYPES[channel], []).append(code)
        frames = []
        for type_, items in by_type.items():
            for i in range(0, len(items), self.opts.reg_batch):
                body: dict[str, Any] = {
                    "trnm": trnm,
                    "grp_no": GROUP,
                    "refresh": "1",
                    "data": [{"item": items[i : i + self.opts.reg_batch], "type": [type_]}],
                }
                frames.append(json.dumps(body))
        return frames

    def subscribe_frames(self, topics: Sequence[Topic]) -> list[str]:
        return self._frames("REG", topics)

    def unsubscribe_frames(self, topics: Sequence[Topic]) -> list[str]:
        return self._frames("REMOVE", topics)

    def handle(self, raw: str) -> Handled:
        message = json.loads(raw)
        trnm = message.get("trnm")
        if trnm == "PING":
            return Handled(replies=[raw])
        if trnm == "REAL":
            events: list[tuple[Topic, object]] = []
            for row in message.get("data") or []:
                event = self._event(row)
                if event is not None:
                    events.append(event)
            return Handled(events=events)
        if str(message.get("return_code", "0")) != "0" or trnm == "SYSTEM":
            text = f"{trnm}: [{message.get('return_code')}] {message.get('return_msg', '')}"
            log.warning("Kiwoom websocket %s", text)
            self.control_errors = [*self.control_errors[-19:], text]
        return Handled()

    def _event(self, row: dict[str, Any]) -> tuple[Topic, object] | None:
        values = row.get("values") or {}
        type_ = row.get("type")
        code = strip_code(row.get("item"))
        today = now_kst().date()
        if type_ == "0B":
            tick = Tick(
                code=code,
                time=kst_at(today, values.get("20")),
                seq=self._sequencer.next(code, today),
                price=to_price(values.get("10")),
                volume=abs(to_int(values.get("15"))),
                cum_volume=abs(to_int(values.get("13"))),
                cum_value=abs(to_int(values.get("14"))) * self.opts.value_unit,
                strength=to_float(values.get("228"), 100.0),
            )
            return (Channel.TICKS, code), tick
        if type_ == "0D":
            asks = tuple(
                BookLevel(to_price(values.get(str(41 + i))), to_int(values.get(str(61 + i))))
                for i in range(10)
            )
            bids = tuple(
                BookLevel(to_price(values.get(str(51 + i))), to_int(values.get(str(71 + i))))
                for i in range(10)
            )
            return (Channel.BOOKS, code), OrderBook(code, asks, bids, kst_at(today, values.get("21")))
        if type_ == "00":
            return self._fill(values, today)
        return None

    def _fill(self, values: dict[str, Any], today: Any) -> tuple[Topic, object] | None:
        if "체결" not in str(values.get("913") or ""):
            return None
        qty = to_int(values.get("915")) or to_int(values.get("911"))
        if qty <= 0:
            return None
        order_id = str(values.get("9203") or "").strip()
        fill_no = str(values.get("909") or "").strip()
        if not fill_no:
            self._fill_numbers[order_id] = self._fill_numbers.get(order_id, 0) + 1
            fill_no = f"{order_id}-{self._fill_numbers[order_id]}"
        fill = Fill(
            fill_id=fill_no,
            order_id=order_id,
            code=strip_code(values.get("9001")),
            side=Side.SELL if str(values.get("907") or "").strip() == "1" else Side.BUY,
            price=to_price(values.get("914")) or to_price(values.get("910")),
            qty=qty,
            commission=to_int(values.get("938")),
            tax=to_int(values.get("939")),
            time=kst_at(today, values.get("908")),
        )
        return (Channel.FILLS, ""), fill
