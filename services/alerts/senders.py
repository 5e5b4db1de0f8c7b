"""The channels that leave the process: webhooks (JSON, HMAC-signed) and Telegram's ``sendMessage``.

A sender answers with a ``SendResult``: delivered, or an error that is retried (with Telegram's or the
receiver's ``retry_after``) or permanent. Errors never carry a URL (the Telegram token is in it)."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import httpx

from db.repositories.alerts import Destination
from services.alerts.secret_box import SecretBox
from trading.alerts.outgoing import Message, webhook_body
from trading.alerts.signing import EVENT_HEADER, signed_headers
from trading.config import Settings

_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")


class _MaskBotToken(logging.Filter):
    """httpx logs each request's URL at INFO; Telegram's carries the bot token: mask it."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "/bot" in text:
            record.msg, record.args = _TOKEN_IN_URL.sub("/bot***/", text), ()
        return True


logging.getLogger("httpx").addFilter(_MaskBotToken())


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    error: str | None = None
    retry_after_s: float | None = None
    permanent: bool = False


def _retry_after(value: object) -> float | None:
    try:
        return max(0.0, float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class WebhookSender:
    def __init__(self, client: httpx.Client, box: SecretBox):
        self.client = client
        self.box = box

    def send(self, dest: Destination, msg: Message) -> SendResult:
        if not dest.url or not dest.secret_enc:
            return SendResult(False, "webhook without URL or secret", permanent=True)
        try:
            secret = self.box.open(dest.secret_enc)
        except ValueError as err:
            return SendResult(False, str(err), permanent=True)
        body = webhook_body(msg)
        headers = signed_headers(secret, int(time.time()), body, msg.id)
        headers[EVENT_HEADER] = "digest" if msg.is_digest else msg.items[0].type
        try:
            resp = self.client.post(dest.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return SendResult(False, f"{type(err).__name__}")
        if 200 <= resp.status_code < 300:
            return SendResult(True)
        return SendResult(False, f"HTTP {resp.status_code}", _retry_after(resp.headers.get("Retry-After")))


class TelegramSender:
    """``POST {TELEGRAM_API_URL}/bot<token>/sendMessage``; the answer is ``{"ok": true, "result": ...}``
    or ``{"ok": false, "error_code": 429, "parameters": {"retry_after": N}}``."""

    PERMANENT = (400, 401, 403, 404)  # chat not found, bad token, bot blocked

    def __init__(self, client: httpx.Client, settings: Settings):
        self.client = client
        self.api = settings.telegram_api_url.rstrip("/")
        self.token = settings.telegram_bot_token
        self.allowed = settings.telegram_chats

    def send(self, dest: Destination, msg: Message) -> SendResult:
        if self.token is None or not self.token.get_secret_value().strip():
            return SendResult(False, "TELEGRAM_BOT_TOKEN is not set", permanent=True)
        if dest.chat_id not in self.allowed:
            return SendResult(False, "chat id not in TELEGRAM_ALLOWED_CHAT_IDS", permanent=True)
        url = f"{self.api}/bot{self.token.get_secret_value().strip()}/sendMessage"
        payload = {"chat_id": dest.chat_id, "text": msg.text()[:4096], "disable_notification": msg.silent}
        try:
            resp = self.client.post(url, json=payload)
            answer = resp.json()
        except (httpx.HTTPError, ValueError) as err:
            return SendResult(False, f"telegram: {type(err).__name__}")
        if resp.status_code == 200 and answer.get("ok"):
            return SendResult(True)
        code = int(answer.get("error_code") or resp.status_code)
        why = f"telegram {code}: {str(answer.get('description') or '')[:200]}"
        retry = _retry_after((answer.get("parameters") or {}).get("retry_after"))
        return SendResult(False, why, retry, permanent=code in self.PERMANENT)
