"""inbox: what the calendar needs — each mass message's revision (massmessage.scheduled) and the
calendar commands answered (a move of a mass message, answered once)

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mass_messages ADD COLUMN revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1)")
    op.execute(
        """
        CREATE TABLE calendar_commands (
            creator_id uuid NOT NULL,
            command_id uuid NOT NULL,
            mass_message_id uuid,
            answered_at timestamptz NOT NULL,
            PRIMARY KEY (creator_id, command_id)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE calendar_commands")
    op.execute("ALTER TABLE mass_messages DROP COLUMN revision")
