"""The deployment secret: ``SECRET_KEY`` from the environment, else a random key kept in
``<data dir>/secret_key`` (0600). It signs sessions, RPC requests (HMAC) and order confirmations, each
with its own derived key. Processes on several hosts need the same ``SECRET_KEY`` in their environment.
"""

from __future__ import annotations

import os
import secrets

from trading.config import Settings


def deployment_secret(settings: Settings) -> bytes:
    if settings.secret_key and settings.secret_key.get_secret_value().strip():
        return settings.secret_key.get_secret_value().strip().encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this data dir wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
