"""REST API test helpers: a token for a user of the test app's database, and bearer headers."""

from __future__ import annotations

from db.engine import make_engine
from db.repositories import api_tokens
from db.repositories.users import get_user


def make_token(database_url: str, username: str, scopes: tuple[str, ...]) -> str:
    """A new API token of ``username`` with ``scopes`` (the secret)."""
    engine = make_engine(database_url)
    try:
        _, secret = api_tokens.create_token(
            engine, get_user(engine, username), f"test-{'-'.join(scopes)}", scopes
        )
    finally:
        engine.dispose()
    return secret


def bearer(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}
