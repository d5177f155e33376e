"""drafts: a send the connector refused (or that kept failing) leaves the draft `failed`, with why

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("drafts", sa.Column("send_error", sa.Text()))
    op.drop_constraint("status", "drafts", type_="check")  # the name 0001 gave it
    op.create_check_constraint("status", "drafts", "status IN ('drafted', 'approved', 'sent', 'failed')")


def downgrade() -> None:
    op.drop_constraint("status", "drafts", type_="check")
    op.execute("UPDATE drafts SET status = 'approved' WHERE status = 'failed'")
    op.create_check_constraint("status", "drafts", "status IN ('drafted', 'approved', 'sent')")
    op.drop_column("drafts", "send_error")
