"""inbox: conversations, messages, drafts; chassis outbox and processed events

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from huntaze_service.migrations import create_chassis_tables, drop_chassis_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "conversations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("fan_id", UUID, nullable=False),
        sa.Column("fan_external_id", sa.String(128), nullable=False),
        sa.Column("fan_display_name", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_message_at", TS, nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("creator_id", "fan_external_id", name="uq_conversations_creator_fan"),
    )
    op.create_index("ix_conversations_creator_last", "conversations", ["creator_id", "last_message_at", "id"])
    op.create_table(
        "messages",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("conversation_id", UUID, sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("external_id", sa.String(128)),
        sa.Column("draft_id", UUID),
        sa.CheckConstraint("direction IN ('in', 'out')", name="direction"),
    )
    op.create_index("ix_messages_conversation_sent", "messages", ["conversation_id", "sent_at"])
    op.create_index(
        "uq_messages_conversation_external",
        "messages",
        ["conversation_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("conversation_id", UUID, sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("in_reply_to_message_id", UUID, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("original_text", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(100)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("approved_at", TS),
        sa.Column("approved_by", UUID),
        sa.Column("sent_at", TS),
        sa.Column("sent_message_id", UUID),
        sa.Column("delivery", sa.String(32)),
        sa.CheckConstraint("status IN ('drafted', 'approved', 'sent')", name="status"),
    )
    op.create_index("ix_drafts_conversation_created", "drafts", ["conversation_id", "created_at"])


def downgrade() -> None:
    op.drop_table("drafts")
    op.drop_table("messages")
    op.drop_table("conversations")
    drop_chassis_tables()
