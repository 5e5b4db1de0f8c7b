"""Webhook HMAC secrets at rest: encrypted (Fernet) with a key derived from the deployment secret
(``services/secret.py``), so the database alone never reveals them; the dispatcher decrypts to sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

from services.secret import deployment_secret
from trading.config import Settings


class SecretBox:
    def __init__(self, settings: Settings):
        key = hmac.new(deployment_secret(settings), b"gslts-alerts-webhook-secret", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret; ``ValueError`` when SECRET_KEY changed since it was sealed."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("webhook secret sealed under another SECRET_KEY: set a new secret") from None


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)
