"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the webhook's secret.

Headers: ``X-GSLTS-Delivery`` (the message id: receivers dedupe on it), ``X-GSLTS-Timestamp`` (Unix
seconds; receivers should refuse old ones) and ``X-GSLTS-Signature: sha256=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-GSLTS-Signature"
TIMESTAMP_HEADER = "X-GSLTS-Timestamp"
DELIVERY_HEADER = "X-GSLTS-Delivery"
EVENT_HEADER = "X-GSLTS-Event"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` at ``timestamp`` (constant time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def signed_headers(secret: str, timestamp: int, body: bytes, message_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        DELIVERY_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
