"""Local stand-ins for where alerts go: a webhook receiver (checks the HMAC signature, dedupes on the
delivery id, can be taken down, slowed or made to answer errors) and a fake Telegram Bot API
(``POST /bot<token>/sendMessage``, answering ``{"ok": true, "result": {...}}``, or 429 with
``parameters.retry_after`` past its per-chat limit of about 20 messages a minute, as Telegram does)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from trading.alerts.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


@dataclass(frozen=True)
class Received:
    id: str
    body: dict[str, Any]
    at: float  # time.time() when the request arrived
    signed: bool


class _Server:
    """A threaded HTTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int = 0):
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self.start()

    def handle_post(self, path: str, headers: Any, raw: bytes) -> tuple[int, bytes]:
        """(status, JSON body or b"") for a POST; the subclass's protocol."""
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, data = fake.handle_post(self.path, self.headers, raw)
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def start(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: the port refuses connections until ``start``."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class WebhookReceiver(_Server):
    """Records every request; ``unique`` holds the first of each delivery id, ``duplicates`` counts the
    repeats it dropped (it answered 200 to them, as a deduping receiver does)."""

    def __init__(self, secret: str, port: int = 0):
        self.secret = secret
        self.requests: list[Received] = []
        self.unique: dict[str, Received] = {}
        self.duplicates = 0
        self.arrivals = 0  # requests that reached the handler (counted before ``hold_s``)
        self.hold_s = 0.0  # sleep this long before answering (a slow receiver)
        self.status = 200  # answer with this (after recording) — 500: "saw it but failed"
        self.lock = threading.Lock()
        super().__init__(port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[dict[str, Any]]:
        """Every event received once (digests unpacked), in arrival order."""
        out = []
        for r in self.unique.values():
            out += r.body.get("events") or [r.body]
        return out

    def handle_post(self, path: str, headers: Any, raw: bytes) -> tuple[int, bytes]:
        rid = headers.get(DELIVERY_HEADER, "")
        ts = int(headers.get(TIMESTAMP_HEADER) or 0)
        rec = Received(
            rid, json.loads(raw), time.time(), verify(self.secret, ts, raw, headers.get(SIGNATURE_HEADER, ""))
        )
        with self.lock:
            self.arrivals += 1
        if self.hold_s:
            time.sleep(self.hold_s)
        with self.lock:
            self.requests.append(rec)
            if self.status < 300:
                if rid in self.unique:
                    self.duplicates += 1
                else:
                    self.unique[rid] = rec
        return self.status, b""


class FakeTelegram(_Server):
    """The Bot API's sendMessage for one token; ``messages`` are the accepted ones, ``refused`` counts 429s.
    ``per_minute`` is the per-chat limit (Telegram: about 20 in a minute in a group); ``force_429`` makes
    the next N requests answer 429 with ``retry_after``."""

    def __init__(self, token: str, per_minute: int = 20, port: int = 0):
        self.token = token
        self.per_minute = per_minute
        self.messages: list[dict[str, Any]] = []
        self.sent_at: dict[str, list[float]] = {}
        self.refused = 0
        self.force_429 = 0
        self.retry_after = 1
        self.lock = threading.Lock()
        super().__init__(port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path != f"/bot{self.token}/sendMessage":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        chat = str(body.get("chat_id"))
        now = time.time()
        with self.lock:
            recent = [t for t in self.sent_at.get(chat, []) if now - t < 60]
            if self.force_429 > 0 or len(recent) >= self.per_minute:
                self.force_429 = max(0, self.force_429 - 1)
                self.refused += 1
                return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry later",
                             "parameters": {"retry_after": self.retry_after}}  # fmt: skip
            self.sent_at[chat] = [*recent, now]
            msg = {"message_id": len(self.messages) + 1, "chat": {"id": int(chat), "type": "private"},
                   "date": int(now), "text": body.get("text", ""),
                   "disable_notification": bool(body.get("disable_notification"))}  # fmt: skip
            self.messages.append(msg)
        return 200, {"ok": True, "result": msg}

    def handle_post(self, path: str, headers: Any, raw: bytes) -> tuple[int, bytes]:
        status, answer = self._answer(path, json.loads(raw or b"{}"))
        return status, json.dumps(answer).encode()
