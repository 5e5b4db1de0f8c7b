"""Orders in tests go through the order gateway like everything else: contexts for the test users."""

from __future__ import annotations

from trading.orders.context import Actor, EntryPoint, OrderContext


def ctx_for(
    username: str = "trader", entry: EntryPoint = EntryPoint.API, token: str | None = None
) -> OrderContext:
    """The context of ``username`` on this process's runtime (their paper account is created if needed)."""
    from app.runtime import runtime
    from db.repositories.users import get_user
    from services.accounts import account_for_user

    rt = runtime()
    user = get_user(rt.engine, username)
    assert user is not None, username
    account = account_for_user(rt.engine, rt.settings, user.id, user.username)
    assert account is not None, f"{username} has no account"
    return OrderContext(Actor(user.username, user.role), account, entry, token)


def account_reads(username: str = "trader"):  # noqa: ANN201 - the Broker protocol
    from app.runtime import runtime

    return runtime().reader(ctx_for(username).account)
