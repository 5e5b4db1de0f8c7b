"""alerts: the outbox (alert_events), destinations (webhooks, Telegram chats), the delivery ledger (with the
in-app read marks), per-user settings per event type, price alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DateTime3 = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "alert_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("dedupe_id", sa.String(120), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", DateTime3, nullable=False),
        sa.Column("fanned_out", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_alert_events_pending", "alert_events", ["fanned_out", "id"])
    op.create_table(
        "alert_destinations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("chat_id", sa.String(40), nullable=True),
        sa.Column("secret_enc", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=True),
        sa.Column("tokens_at", DateTime3, nullable=True),
        sa.Column("next_send_at", DateTime3, nullable=True),
        sa.Column("lease_owner", sa.String(40), nullable=True),
        sa.Column("lease_until", DateTime3, nullable=True),
        sa.Column("last_status", sa.String(300), nullable=True),
    )
    op.create_index("ix_alert_destinations_user_id", "alert_destinations", ["user_id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", BigId, sa.ForeignKey("alert_events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTime3, nullable=False),
        sa.Column("message_id", sa.String(120), nullable=True),
        sa.Column("sent_at", DateTime3, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("read_at", DateTime3, nullable=True),
        sa.Column("created_at", DateTime3, nullable=False),
        sa.UniqueConstraint("event_id", "user_id", "destination_id", name="uq_alert_delivery"),
    )
    op.create_index(
        "ix_alert_deliveries_due", "alert_deliveries", ["status", "destination_id", "next_attempt_at"]
    )
    op.create_index("ix_alert_deliveries_user", "alert_deliveries", ["user_id", "channel", "id"])
    op.create_table(
        "alert_settings",
        sa.Column("user_id", sa.Integer(), _user_fk(), primary_key=True),
        sa.Column("event_type", sa.String(24), primary_key=True),
        sa.Column("mode", sa.String(8), nullable=False),
    )
    op.create_table(
        "price_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("fired_at", DateTime3, nullable=True),
        sa.Column("fired_price", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_price_alerts_user_id", "price_alerts", ["user_id"])
    op.create_index("ix_price_alerts_status", "price_alerts", ["status", "code"])


def downgrade() -> None:
    for name in ("price_alerts", "alert_settings", "alert_deliveries", "alert_destinations", "alert_events"):
        op.drop_table(name)
