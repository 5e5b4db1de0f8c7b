"""Plumbing for the fake broker servers: a threaded HTTP/1.1 JSON server and a websocket server
running on its own asyncio loop, both on 127.0.0.1 with ephemeral (or given) ports."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import itertools
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from websockets.asyncio.server import ServerConnection, serve

KST = ZoneInfo("Asia/Seoul")
DEFAULT_PRICES = {"005930": 70000, "000660": 180000, "035420": 210000, "035720": 45000, "005380": 240000}
LISTING = Path(__file__).resolve().parents[2] / "data" / "seed" / "krx_listing.csv"


def listing_universe(limit: int | None = None) -> dict[str, tuple[int, str]]:
    """code -> (price, market) for the listed stocks of the seed listing (deterministic prices), so a
    fake's ranking names the same stocks as the stock master."""
    out: dict[str, tuple[int, str]] = {}
    with LISTING.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            share = (zlib.crc32(code.encode()) % 10_000) / 10_000
            price = max(1000, round(1000 * 500**share / 50) * 50)  # log-uniform 1,000 .. 500,000 won
            out[code] = (price, row["market"].strip())
            if limit is not None and len(out) >= limit:
                break
    return out


def kst_now() -> datetime:
    return datetime.now(KST)


class Request:
    """What a fake route sees."""

    def __init__(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body


class Reply:
    """A JSON reply; ``drop=True`` closes the connection without answering."""

    def __init__(
        self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None, drop: bool = False
    ):
        self.status = status
        self.body = body if body is not None else {}
        self.headers = headers or {}
        self.drop = drop


Route = Callable[[Request], Reply]


def _handler(route: Route) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            return

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {}
            headers = {k.lower(): v for k, v in self.headers.items()}
            req = Request(
                self.command, split.path, dict(parse_qsl(split.query, keep_blank_values=True)), headers, body
            )
            reply = route(req)
            if reply.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            self.send_response(reply.status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

    return Handler


class HttpServerThread:
    def __init__(self, route: Route, port: int = 0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(route))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="fake-http"
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WsServerThread:
    """Runs ``handler(connection)`` per websocket connection on a private loop."""

    def __init__(self, handler: Callable[[ServerConnection], Coroutine[Any, Any, None]], port: int = 0):
        self.handler = handler
        self.requested_port = port
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True, name="fake-ws")
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self.handler, "127.0.0.1", self.requested_port, ping_interval=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self.thread.start()
        self._ready.wait(5)

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 5.0) -> Any:
        """Run ``coro`` on the server loop from another thread and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(5)


def move_account(
    cash: int, positions: dict[str, tuple[int, int]], code: str, buy: bool, qty: int, amount: int
) -> int:
    """Apply one execution to a fake account: ``positions`` (code -> (qty, cost)) in place; returns the new cash."""
    held, cost = positions.get(code, (0, 0))
    if buy:
        positions[code] = (held + qty, cost + amount)
        return cash - amount
    if qty >= held:
        positions.pop(code, None)
    else:
        positions[code] = (held - qty, cost - cost * qty // held)
    return cash + amount


_INSTANCES = itertools.count()


def next_order_number_base() -> int:
    """Where a new fake's order numbers start: never the same as an earlier fake's in this process (a
    real broker's numbers are unique per day; the journal would take a reused one for a claimed order)."""
    return 1 + 100_000 * next(_INSTANCES)


@dataclass
class TickStream:
    """A running ``FakeBroker.stream_ticks``: what it sent so far; ``stop()`` ends it."""

    rate_per_s: float
    sent: int = 0  # ticks delivered to at least one client
    frames: int = 0
    started: float = 0.0  # time.time() of the first tick sent
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True


@dataclass
class WsClient:
    """One websocket connection to a fake and what it subscribed to."""

    conn: ServerConnection
    subs: set[tuple[str, str]] = field(default_factory=set)  # (TR / type, key / item)
    logged_in: bool = False
    silent: bool = False  # a zombie: kept open, sent nothing


class FakeBroker:
    """What both fake brokers share: app keys, a price table and one account, the counters and
    order-fault switches the tests read and set, the HTTP and websocket servers and their lifecycle.
    A subclass adds its routes (``route``), its websocket protocol (``on_ws_message``) and its frames."""

    ws_path: ClassVar[str] = ""

    def __init__(
        self,
        env: str = "mock",
        app_keys: dict[str, str] | None = None,
        other_env_keys: set[str] | None = None,
        *,
        accept_any_key: bool = False,
        port: int = 0,
        ws_port: int = 0,
        tick_interval_s: float | None = None,
        universe: dict[str, tuple[int, str]] | None = None,
    ):
        """``universe``: code -> (price, market) served besides the five default stocks (ranking, quotes)."""
        self.env = env
        self.app_keys = app_keys or {"mock-key": "mock-secret"}
        self.other_env_keys = other_env_keys or set()
        self.accept_any_key = accept_any_key
        self.tick_interval_s = tick_interval_s
        self.prices = dict(DEFAULT_PRICES)
        self.markets = dict.fromkeys(DEFAULT_PRICES, "KOSPI")
        for code, (price, market) in (universe or {}).items():
            self.prices.setdefault(code, price)
            self.markets.setdefault(code, market)
        self.ws_refuse = False  # the websocket server is "down": new connections are closed at once
        self.cash = 50_000_000
        self.positions: dict[str, tuple[int, int]] = {"005930": (10, 650_000)}  # code -> (qty, cost)
        self.lock = threading.Lock()
        # counters
        self.token_calls = 0
        self.revoke_calls = 0
        self.order_posts = 0
        self.revise_posts = 0
        self.pongs = 0
        self.ws_connections = 0
        # order faults
        self.drop_order_response_next = 0  # record the order, then close the connection unanswered
        self.fail_after_accept_next = 0  # record the order, then answer HTTP 500 (a 5xx after acceptance)
        self.hold_order_response: threading.Event | None = None  # record, then answer only once it is set
        self.order_received = threading.Event()  # set when an order was recorded (with the hold above)
        # state
        self.tokens: Any = {}  # the subclass's issued tokens (token -> expiry, or a set)
        self.ws_clients: list[WsClient] = []
        self._next_number = next_order_number_base()  # broker order numbers are unique per day
        self.http = HttpServerThread(self.route, port)
        self.ws = WsServerThread(self.ws_handler, ws_port)

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> Self:
        self.http.start()
        self.ws.start()
        if self.tick_interval_s:
            asyncio.run_coroutine_threadsafe(self._auto_ticks(), self.ws.loop)
        return self

    def stop(self) -> None:
        self.http.stop()
        self.ws.stop()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws.port}{self.ws_path}"

    def expire_tokens(self) -> None:
        """Every issued token is now refused as expired."""
        with self.lock:
            self.tokens.clear()

    def route(self, req: Request) -> Reply:
        raise NotImplementedError

    # ---- accounts and orders ------------------------------------------------------------
    def _key_ok(self, key: str, secret: str) -> bool:
        return self.accept_any_key or self.app_keys.get(key) == secret

    def next_order_number(self) -> int:
        """The next broker order number (call with ``lock`` held)."""
        number = self._next_number
        self._next_number += 1
        return number

    def refusal(self, code: str, buy: bool, qty: int, price: int) -> str | None:
        """Why the account cannot take this order: ``"unknown"`` code, ``"cash"`` short, ``"qty"`` short."""
        if code not in self.prices:
            return "unknown"
        if buy and qty * (price or self.prices[code]) > self.cash:
            return "cash"
        if not buy and qty > self.positions.get(code, (0, 0))[0]:
            return "qty"
        return None

    def crosses(self, code: str, buy: bool, price: int, market: bool) -> bool:
        """Whether a new order fills at once against the current price (the fakes fill all or nothing)."""
        last = self.prices[code]
        return market or (buy and price >= last) or (not buy and 0 < price <= last)

    def order_answer(self, answer: Reply, server_error: Reply) -> Reply:
        """The reply to an order the fake just recorded, after the injected faults: no answer at all,
        a 5xx although the order stands, or an answer held until the test releases it."""
        with self.lock:
            if self.drop_order_response_next > 0:
                self.drop_order_response_next -= 1
                return Reply(drop=True)
            if self.fail_after_accept_next > 0:
                self.fail_after_accept_next -= 1
                return server_error
            hold = self.hold_order_response
        if hold is not None:
            self.order_received.set()
            hold.wait(60)
        return answer

    # ---- websocket ----------------------------------------------------------------------
    def volume(self, code: str) -> int:
        """Today's volume of ``code`` (deterministic; the default stocks rank by price)."""
        if code in DEFAULT_PRICES:
            return 100_000 * (sorted(DEFAULT_PRICES.values()).index(DEFAULT_PRICES[code]) + 1)
        # cheap stocks trade more shares: 거래대금 does not follow the price
        return max(
            1, (zlib.crc32(code.encode()[::-1]) % 997 + 1) * 20_000_000 // self.prices.get(code, 10_000)
        )

    def ranked(self, market: str | None = None, low: int = 0, high: int | None = None) -> list[str]:
        """Codes by 거래대금 (price x volume), largest first, in ``market`` and the price range."""
        codes = [
            c
            for c, p in self.prices.items()
            if (market is None or self.markets.get(c) == market) and p >= low and (high is None or p <= high)
        ]
        return sorted(codes, key=lambda c: (-self.prices[c] * self.volume(c), c))

    def kill_websockets(self, refuse: bool = True) -> int:
        """Drop every websocket connection; with ``refuse`` new ones are closed at once until
        ``ws_refuse`` is cleared (a broker websocket outage)."""
        self.ws_refuse = refuse
        return self.drop_websockets()

    async def ws_handler(self, conn: ServerConnection) -> None:
        if self.ws_refuse:
            await conn.close(1013, "try again later")
            return
        client = WsClient(conn)
        self.ws_connections += 1
        self.ws_clients.append(client)
        try:
            async for raw in conn:
                await self.on_ws_message(client, json.loads(raw))
        except Exception:  # noqa: BLE001 - a dropped client just goes away
            pass
        finally:
            if client in self.ws_clients:
                self.ws_clients.remove(client)

    async def on_ws_message(self, client: WsClient, msg: dict[str, Any]) -> None:
        raise NotImplementedError

    def subscribers(self, kind: str) -> set[str]:
        """The keys (codes) some client subscribed to under ``kind``."""
        return {key for c in self.ws_clients for (k, key) in c.subs if k == kind}

    async def send_to(self, kind: str, key: str, frame: str) -> int:
        """Send ``frame`` to every live client subscribed to (kind, key); returns how many got it."""
        sent = 0
        for client in list(self.ws_clients):
            if (kind, key) in client.subs and not client.silent:
                with contextlib.suppress(Exception):
                    await client.conn.send(frame)
                    sent += 1
        return sent

    def send_all(self, frame: str) -> None:
        """Send ``frame`` to every client (the broker's keep-alive)."""

        async def send() -> None:
            for client in list(self.ws_clients):
                await client.conn.send(frame)

        self.ws.call(send())

    def drop_websockets(self) -> int:
        """Abort every websocket connection without a close frame."""

        async def drop() -> int:
            n = 0
            for client in list(self.ws_clients):
                client.conn.transport.abort()
                n += 1
            return n

        return self.ws.call(drop())

    def silence_websockets(self) -> None:
        """Keep current connections open but send them nothing more (zombie sockets)."""
        for client in list(self.ws_clients):
            client.silent = True

    def tick_frame(self, code: str, price: int) -> tuple[str, str]:
        """(subscription kind, frame) of one trade at ``price``."""
        raise NotImplementedError

    def ticks_frame(self, code: str, prices: list[int]) -> tuple[str, str]:
        """(subscription kind, frame) of ``len(prices)`` trades of ``code`` in one frame."""
        raise NotImplementedError

    def stream_ticks(
        self,
        rate_per_s: float,
        price_of: Callable[[str, int], int] | None = None,
        on_sent: Callable[[str, list[int], float], None] | None = None,
        every_s: float = 0.02,
    ) -> TickStream:
        """Push ``rate_per_s`` ticks a second, spread round-robin over the codes some client subscribed
        to (checked every round): every ``every_s`` the ticks due go out, each code's in one frame.
        ``price_of(code, n)`` prices the ``n``-th tick of ``code`` (default: a few ticks around the
        fake's price); ``on_sent(code, prices, wall)`` runs just before each frame is sent (the
        ``time.time()`` of the push). Nothing accrues while nobody subscribes; a late round catches
        up at most one second of ticks."""
        stream = TickStream(rate_per_s)
        asyncio.run_coroutine_threadsafe(self._stream(stream, price_of, on_sent, every_s), self.ws.loop)
        return stream

    async def _stream(
        self,
        stream: TickStream,
        price_of: Callable[[str, int], int] | None,
        on_sent: Callable[[str, list[int], float], None] | None,
        every_s: float,
    ) -> None:
        kind = self.tick_frame("005930", 1)[0]
        seqs: dict[str, int] = {}
        budget, turn = 0.0, 0
        last = time.monotonic()
        while not stream.stopped:
            await asyncio.sleep(every_s)
            now = time.monotonic()
            codes = sorted(self.subscribers(kind))
            budget = min(budget + stream.rate_per_s * (now - last), stream.rate_per_s) if codes else 0.0
            last = now
            due = int(budget)
            if not due:
                continue
            budget -= due
            counts = dict.fromkeys(codes, 0)
            for i in range(due):
                counts[codes[(turn + i) % len(codes)]] += 1
            turn = (turn + due) % len(codes)
            for code, n in counts.items():
                if not n:
                    continue
                first = seqs.get(code, 0)
                seqs[code] = first + n
                base = self.prices.get(code, 10_000)
                prices = [
                    price_of(code, k) if price_of else base + 10 * (k % 7 - 3)
                    for k in range(first, first + n)
                ]
                frame = self.ticks_frame(code, prices)[1]
                wall = time.time()
                if on_sent is not None:
                    on_sent(code, prices, wall)
                if await self.send_to(kind, code, frame):
                    stream.started = stream.started or wall
                    stream.sent += n
                    stream.frames += 1

    async def _auto_ticks(self) -> None:
        kind = self.tick_frame("005930", 1)[0]
        while True:
            await asyncio.sleep(self.tick_interval_s or 1.0)
            for code in self.subscribers(kind):
                await self.send_to(kind, code, self.tick_frame(code, self.prices.get(code, 10000))[1])


def serve_forever(fake: FakeBroker, *lines: str) -> None:
    """Standalone mode: print how to point GSLTS at ``fake`` and run until Ctrl-C."""
    for line in lines:
        print(line, flush=True)
    print(f"005930 price {fake.prices['005930']}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
