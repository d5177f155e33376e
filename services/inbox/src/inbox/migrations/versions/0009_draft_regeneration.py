"""inbox: drafts a person asked for again — the draft a new one supersedes, and the one that
superseded it (status ``superseded``)

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE drafts ADD COLUMN supersedes uuid, ADD COLUMN superseded_by uuid")
    op.drop_constraint("status", "drafts", type_="check")
    op.create_check_constraint("status", "drafts", "status IN ('drafted', 'approved', 'sent', 'failed', 'superseded')")


def downgrade() -> None:
    op.drop_constraint("status", "drafts", type_="check")
    op.execute("UPDATE drafts SET status = 'drafted' WHERE status = 'superseded'")
    op.create_check_constraint("status", "drafts", "status IN ('drafted', 'approved', 'sent', 'failed')")
    op.execute("ALTER TABLE drafts DROP COLUMN supersedes, DROP COLUMN superseded_by")
