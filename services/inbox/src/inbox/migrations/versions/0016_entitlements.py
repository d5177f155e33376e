"""inbox: the read model of each organisation's entitlements and the monthly mass-message counters
(the chassis' tables: huntaze_service.entitlements), and the fan messages the AI did not draft for
because the plan's AI drafts were used (reply.withheld: shown as quota_reached)

Revision ID: 0016
Revises: 0015
"""

from alembic import op

from huntaze_service.entitlements import DDL, DROP

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    op.execute(
        """
        CREATE TABLE withheld_replies (
            message_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            conversation_id uuid NOT NULL,
            quota_limit integer NOT NULL,
            plan text NOT NULL,
            upgrade_to text,
            period text NOT NULL,
            withheld_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX withheld_replies_conversation ON withheld_replies (conversation_id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS withheld_replies")
    for statement in DROP:
        op.execute(statement)
