"""ai: personas, conversation history, generations; chassis outbox and processed events

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


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "personas",
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("tone", sa.String(20), nullable=False),
        sa.Column("emoji_use", sa.String(10), nullable=False),
        sa.Column("boundaries", postgresql.JSONB(), nullable=False, server_default="[]"),
        sa.Column("signature", sa.String(60)),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conversation_lines",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("speaker", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_lines_conversation_at", "conversation_lines", ["conversation_id", "at"])
    op.create_table(
        "generations",
        sa.Column("draft_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("message_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(100)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_generations_creator_id", "generations", ["creator_id"])


def downgrade() -> None:
    op.drop_table("generations")
    op.drop_table("conversation_lines")
    op.drop_table("personas")
    drop_chassis_tables()
