"""inbox: whale routing — the read model of shifts (``shift.scheduled`` / ``shift.cancelled``, per
creator account and shift, a cancellation sticks), the priority mark of each conversation (one row,
its episodes counted; deleted with the conversation by the fan's erasure), and an index for the buy
rate of each person's offers

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE shifts (
            creator_id uuid NOT NULL,
            shift_id uuid NOT NULL,
            user_id uuid NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL,
            cancelled_at timestamptz,
            PRIMARY KEY (creator_id, shift_id)
        )
        """
    )
    op.execute("CREATE INDEX shifts_on_duty ON shifts (creator_id, ends_at) WHERE cancelled_at IS NULL")
    op.execute(
        """
        CREATE TABLE conversation_priorities (
            conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            active boolean NOT NULL,
            episode integer NOT NULL,
            reason text NOT NULL,
            assigned_user_id uuid,
            shift_id uuid,
            matched_by text NOT NULL,
            since timestamptz NOT NULL,
            message_id uuid NOT NULL,
            answered_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX conversation_priorities_active ON conversation_priorities (creator_id) WHERE active")
    op.execute(
        "CREATE INDEX offers_creator_by_sent ON offers (creator_id, created_by, sent_at) WHERE created_by IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS offers_creator_by_sent")
    op.execute("DROP TABLE IF EXISTS conversation_priorities")
    op.execute("DROP TABLE IF EXISTS shifts")
