"""ai: erased_fans (the fans whose personal data was erased: nothing of theirs is stored again), and
the fan of each conversation line and generation, so that erasure finds them

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE erased_fans (
            fan_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            erased_at timestamptz NOT NULL,
            requested_by uuid,
            event_id uuid NOT NULL,
            applied_at timestamptz NOT NULL,
            applications integer NOT NULL DEFAULT 1
        );
        ALTER TABLE conversation_lines ADD COLUMN fan_id uuid;
        ALTER TABLE generations ADD COLUMN fan_id uuid;
        CREATE INDEX ix_conversation_lines_fan ON conversation_lines (creator_id, fan_id) WHERE fan_id IS NOT NULL;
        CREATE INDEX ix_generations_fan ON generations (creator_id, fan_id) WHERE fan_id IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX ix_generations_fan, ix_conversation_lines_fan;
        ALTER TABLE generations DROP COLUMN fan_id;
        ALTER TABLE conversation_lines DROP COLUMN fan_id;
        DROP TABLE erased_fans;
        """
    )
