"""order gateway: journal, owner fences, roles, sessions, per-user paper accounts, account limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DateTime3 = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # Users: a role instead of the admin flag, a disabled flag. SQLite drops the column natively
    # (3.35+): a batch rebuild would DROP TABLE users, which cascades into the watchlist.
    op.add_column("users", sa.Column("role", sa.String(8), nullable=False, server_default="trader"))
    op.add_column("users", sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin")
    if _sqlite():
        op.execute("ALTER TABLE users DROP COLUMN is_admin")
    else:
        op.drop_column("users", "is_admin")

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])

    # Accounts: environment, owner (paper accounts), per-account limits (NULL = the settings' default).
    op.add_column("accounts", sa.Column("env", sa.String(8), nullable=False, server_default="paper"))
    op.add_column("accounts", sa.Column("owner_user_id", sa.Integer(), nullable=True))
    op.add_column("accounts", sa.Column("max_order_qty", sa.BigInteger(), nullable=True))
    op.add_column("accounts", sa.Column("max_order_amount", sa.BigInteger(), nullable=True))
    op.add_column("accounts", sa.Column("max_orders_per_minute", sa.Integer(), nullable=True))
    if not _sqlite():  # SQLite cannot add a constraint to an existing table; the ORM keeps it there
        op.create_foreign_key(
            "fk_accounts_owner", "accounts", "users", ["owner_user_id"], ["id"], ondelete="SET NULL"
        )
    op.execute("UPDATE accounts SET env = 'mock' WHERE broker <> 'paper' AND name LIKE '%-mock-%'")
    op.execute("UPDATE accounts SET env = 'real' WHERE broker <> 'paper' AND name LIKE '%-real-%'")

    op.create_table(
        "account_users",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.Column("bound_by", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "user_id"),
    )

    op.create_table(
        "order_intents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("target_order_id", sa.String(40), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("message", sa.String(300), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("fence", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("entry", sa.String(8), nullable=False),
        sa.Column("created_at", DateTime3, nullable=False),
        sa.Column("updated_at", DateTime3, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "client_order_id", name="uq_intent_client_id"),
    )
    op.create_index("ix_intents_state", "order_intents", ["state", "account_id"])
    op.create_index("ix_intents_account_created", "order_intents", ["account_id", "created_at"])

    op.create_table(
        "owner_fences",
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("fence", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("acquired_at", DateTime3, nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )


def downgrade() -> None:
    op.drop_table("owner_fences")
    op.drop_table("order_intents")
    op.drop_table("account_users")
    if not _sqlite():
        op.drop_constraint("fk_accounts_owner", "accounts", type_="foreignkey")
    for col in ("max_orders_per_minute", "max_order_amount", "max_order_qty", "owner_user_id", "env"):
        if _sqlite():
            op.execute(f"ALTER TABLE accounts DROP COLUMN {col}")
        else:
            op.drop_column("accounts", col)
    op.drop_table("user_sessions")  # its index goes with it (MariaDB refuses to drop an FK's index)
    op.add_column("users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
    for col in ("disabled", "role"):
        if _sqlite():
            op.execute(f"ALTER TABLE users DROP COLUMN {col}")
        else:
            op.drop_column("users", col)
