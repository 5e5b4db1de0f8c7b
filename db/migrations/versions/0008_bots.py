"""automatic trading: bots and their versions, positions, orders, decision log, evaluations (one per bot
and bar) and the evening backtest-vs-live comparisons

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DateTime3 = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _bot_fk() -> sa.ForeignKey:
    return sa.ForeignKey("bots.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "bots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_reason", sa.String(300), nullable=True),
        sa.Column("status_by", sa.String(40), nullable=True),
        sa.Column("status_at", DateTime3, nullable=True),
        sa.Column("started_at", DateTime3, nullable=True),
        sa.Column("reconciled_at", DateTime3, nullable=True),
        sa.Column("loss_streak", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("heartbeat_at", DateTime3, nullable=True),
        sa.Column("last_bar_at", sa.DateTime(), nullable=True),
        sa.Column("feed_age_s", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_bots_user_id", "bots", ["user_id"])
    op.create_index("ix_bots_status", "bots", ["status"])
    op.create_table(
        "bot_versions",
        sa.Column("bot_id", sa.Integer(), _bot_fk(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(40), nullable=True),
    )
    op.create_table(
        "bot_positions",
        sa.Column("bot_id", sa.Integer(), _bot_fk(), primary_key=True),
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("entry_time", DateTime3, nullable=False),
        sa.Column("entry_bar", sa.DateTime(), nullable=True),
        sa.Column("bars_held", sa.Integer(), nullable=False),
        sa.Column("high_price", sa.BigInteger(), nullable=False),
        sa.Column("protect_armed", sa.Boolean(), nullable=False),
        sa.Column("sl_pct", sa.Float(), nullable=True),
        sa.Column("tp_pct", sa.Float(), nullable=True),
        sa.Column("hold_bars", sa.Integer(), nullable=True),
        sa.Column("exiting", sa.String(40), nullable=True),
    )
    op.create_table(
        "bot_orders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("bot_id", sa.Integer(), _bot_fk(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("bar_time", sa.DateTime(), nullable=True),
        sa.Column("signal_price", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("filled_qty", sa.BigInteger(), nullable=False),
        sa.Column("filled_amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("created_at", DateTime3, nullable=False),
        sa.Column("updated_at", DateTime3, nullable=False),
    )
    op.create_index("ix_bot_orders_state", "bot_orders", ["state"])
    op.create_index("ix_bot_orders_bot", "bot_orders", ["bot_id", "id"])
    op.create_table(
        "bot_decisions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("bot_id", sa.Integer(), _bot_fk(), nullable=False),
        sa.Column("time", DateTime3, nullable=False),
        sa.Column("code", sa.String(6), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("message_ko", sa.String(300), nullable=False),
        sa.Column("message_en", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
    )
    op.create_index("ix_bot_decisions_bot", "bot_decisions", ["bot_id", "id"])
    op.create_table(
        "bot_evaluations",
        sa.Column("bot_id", sa.Integer(), _bot_fk(), primary_key=True),
        sa.Column("bar_time", sa.DateTime(), primary_key=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("codes", sa.Integer(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("ms", sa.Float(), nullable=True),
        sa.Column("evaluated_at", DateTime3, nullable=False),
    )
    op.create_table(
        "bot_comparisons",
        sa.Column("bot_id", sa.Integer(), _bot_fk(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("bot_comparisons", "bot_evaluations", "bot_decisions", "bot_orders", "bot_positions",
                  "bot_versions", "bots"):  # fmt: skip
        op.drop_table(table)
