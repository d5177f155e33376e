"""inbox: drafts.review_reasons — why a draft's fan message must be read by a person (reply.drafted's
``review``); empty for ordinary messages and for every draft before this revision

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE drafts ADD COLUMN review_reasons text[] NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE drafts DROP COLUMN review_reasons")
