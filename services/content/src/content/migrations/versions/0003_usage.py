"""content: the usage history of each medium: posts, offers, mass messages, fans sent and fans who bought (issue 13)

Revision ID: 0003
Revises: 0002
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
