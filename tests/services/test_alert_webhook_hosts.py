"""Webhooks may not point at this machine or the LAN unless ALERT_WEBHOOK_PRIVATE allows it: refused when
added, and refused again when sent (a name that resolves elsewhere later), without a connection."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from db.repositories.alerts import Destination
from services.alerts.admin import AlertError, add_webhook
from services.alerts.secret_box import SecretBox
from services.alerts.senders import WebhookSender, private_target
from trading.alerts.outgoing import Item, Message
from trading.config import load_settings


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://localhost/hook", "https://10.1.2.3/x", "http://169.254.169.254/"],
)
def test_a_non_public_webhook_host_is_refused(url, tmp_path):
    settings = load_settings(data_dir=tmp_path, secret_key="test-secret", alert_webhook_private=False)
    assert private_target(url) is not None
    with pytest.raises(AlertError) as err:
        add_webhook(None, settings, 1, url)  # refused before anything is stored
    assert err.value.key == "url" and "ALERT_WEBHOOK_PRIVATE" in str(err.value)


def test_the_sender_refuses_a_non_public_host_without_connecting(tmp_path):
    settings = load_settings(data_dir=tmp_path, secret_key="test-secret", alert_webhook_private=False)
    box = SecretBox(settings)
    calls: list[httpx.Request] = []
    client = httpx.Client(transport=httpx.MockTransport(lambda req: calls.append(req) or httpx.Response(200)))
    dest = Destination(
        1, 1, "webhook", "hook", "http://127.0.0.1:9/hook", None, box.seal("s"), True, None, None, None
    )
    msg = Message("m1", (Item("order.filled", "d1", datetime(2026, 11, 30, 10), {"code": "005930"}),))
    result = WebhookSender(client, box, allow_private=False).send(dest, msg)
    assert not result.ok and result.permanent and "non-public" in (result.error or "")
    assert calls == []
