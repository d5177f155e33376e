"""inbox: automations — each creator's settings, one run per trigger, and drafts and messages
marked as automated (a draft of an automation answers no fan message)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE automation_configs (
            creator_id uuid PRIMARY KEY,
            config jsonb NOT NULL,
            updated_at timestamptz NOT NULL,
            updated_by uuid NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE automation_runs (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            kind varchar(16) NOT NULL,
            trigger varchar(200) NOT NULL,
            fan_id uuid NOT NULL,
            due_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            status varchar(10) NOT NULL
                CONSTRAINT status CHECK (status IN ('pending', 'drafted', 'autosent', 'skipped')),
            reason varchar(40),
            context jsonb NOT NULL DEFAULT '{}',
            draft_id uuid,
            decided_at timestamptz,
            CONSTRAINT uq_automation_runs_trigger UNIQUE (creator_id, kind, trigger)
        )
        """
    )
    op.execute("CREATE INDEX ix_automation_runs_creator_created ON automation_runs (creator_id, created_at DESC, id)")
    op.execute(
        "CREATE INDEX ix_automation_runs_autosent ON automation_runs (creator_id, decided_at) WHERE status = 'autosent'"
    )
    op.execute("CREATE INDEX ix_automation_runs_fan ON automation_runs (fan_id)")
    op.execute(
        "ALTER TABLE drafts ALTER COLUMN in_reply_to_message_id DROP NOT NULL, "
        "ADD COLUMN automation varchar(16), ADD COLUMN automation_run_id uuid"
    )
    op.execute("ALTER TABLE messages ADD COLUMN automation varchar(16)")


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN automation")
    op.execute("DELETE FROM drafts WHERE in_reply_to_message_id IS NULL")
    op.execute(
        "ALTER TABLE drafts DROP COLUMN automation_run_id, DROP COLUMN automation, "
        "ALTER COLUMN in_reply_to_message_id SET NOT NULL"
    )
    op.execute("DROP TABLE automation_runs")
    op.execute("DROP TABLE automation_configs")
