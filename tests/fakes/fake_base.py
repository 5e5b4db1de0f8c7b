"""Plumbing for the fake broker servers: a threaded HTTP/1.1 JSON server and a websocket server
running on its own asyncio loop, both on 127.0.0.1 with ephemeral (or given) ports."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
from collections.abc import Callable, Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection, serve


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
