"""inbox: restricted_words — each creator's own terms, on top of the default list (inbox.guardrails)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE restricted_words (
            creator_id uuid PRIMARY KEY,
            words text[] NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE restricted_words")
