"""fans: a fan's personal data erased on request — the row stays (its money counts), anonymised, with
when and by whom; it is the tombstone later events about the fan meet

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE fans ADD COLUMN erased_at timestamptz, ADD COLUMN erased_by uuid")


def downgrade() -> None:
    op.execute("ALTER TABLE fans DROP COLUMN erased_at, DROP COLUMN erased_by")
