"""recorder: tick rows the database refused (dead letters), and the minutes whose bars await recomputation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DateTime3 = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tick_dead_letters",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("created_at", DateTime3, nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("stock_code", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("raw_row", sa.Text(), nullable=False),
        sa.UniqueConstraint("row_hash", name="uq_tick_dead_letters_row_hash"),
    )
    op.create_index("ix_tick_dead_letters_created_at", "tick_dead_letters", ["created_at"])
    op.create_table(
        "minute_bar_dirty",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("time", sa.DateTime(), primary_key=True),
        sa.Column("time_end", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("minute_bar_dirty")
    op.drop_index("ix_tick_dead_letters_created_at", table_name="tick_dead_letters")
    op.drop_table("tick_dead_letters")
