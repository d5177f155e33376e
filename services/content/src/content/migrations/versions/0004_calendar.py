"""content: the calendar: read model of every service's plans, its own items (drops, notes), moves and conflicts (issue 13)

Revision ID: 0004
Revises: 0003
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
