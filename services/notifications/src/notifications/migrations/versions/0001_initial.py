"""notifications: webhook endpoints, deliveries and attempts; in-app notices, read marks and mutes;
chassis outbox, processed events and timers

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from huntaze_service.migrations import (
    create_chassis_tables,
    create_chassis_tables_v2,
    drop_chassis_tables,
    drop_chassis_tables_v2,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_chassis_tables()
    create_chassis_tables_v2()
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.Text()),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("failing_since", TS),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_webhook_endpoints_creator", "webhook_endpoints", ["creator_id", "created_at"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("endpoint_id", UUID, sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("event_id", UUID, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fan_id", UUID),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS),
        sa.Column("next_attempt_at", TS),
    )
    op.create_index("ix_webhook_deliveries_endpoint", "webhook_deliveries", ["endpoint_id", "created_at", "id"])
    op.create_index(
        "ix_webhook_deliveries_pending", "webhook_deliveries", ["endpoint_id"],
        postgresql_where=sa.text("status = 'pending'"),
    )  # fmt: skip
    op.create_index("ix_webhook_deliveries_fan", "webhook_deliveries", ["creator_id", "fan_id"])
    op.create_table(
        "webhook_attempts",
        sa.Column("delivery_id", UUID, sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text()),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("user_id", UUID),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_notices_creator_created", "notices", ["creator_id", "created_at", "id"])
    op.create_table(
        "notice_reads",
        sa.Column("notice_id", UUID, sa.ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("read_at", TS, nullable=False),
    )
    op.create_table(
        "notice_mutes",
        sa.Column("creator_id", UUID, primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
    )


def downgrade() -> None:
    for table in ("notice_mutes", "notice_reads", "notices", "webhook_attempts", "webhook_deliveries",
                  "webhook_endpoints"):  # fmt: skip
        op.drop_table(table)
    drop_chassis_tables_v2()
    drop_chassis_tables()
