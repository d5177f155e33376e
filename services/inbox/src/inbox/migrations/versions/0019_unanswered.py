"""inbox: unanswered fans — one wait per conversation (from the fan's first message after the last
answer; deleted with the conversation by the fan's erasure), and one alert row per creator account
(the cool-down of ``reply.overdue``)

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE unanswered_waits (
            conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            waits integer NOT NULL,
            since timestamptz NOT NULL,
            answered_at timestamptz,
            alerted_at timestamptz
        )
        """
    )
    op.execute(
        "CREATE INDEX unanswered_waits_due ON unanswered_waits (creator_id, since) "
        "WHERE answered_at IS NULL AND alerted_at IS NULL"
    )
    op.execute("CREATE TABLE unanswered_alerts (creator_id uuid PRIMARY KEY, last_alert_at timestamptz)")
    op.execute("CREATE INDEX shifts_next ON shifts (creator_id, starts_at) WHERE cancelled_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS shifts_next")
    op.execute("DROP TABLE IF EXISTS unanswered_alerts")
    op.execute("DROP TABLE IF EXISTS unanswered_waits")
