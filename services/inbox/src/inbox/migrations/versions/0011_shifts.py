"""inbox: on which shift a person approved a draft or created a mass message (chatter
attribution; offers have carried ``shift_id`` since 0007)

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE drafts ADD COLUMN approved_shift_id uuid")
    op.execute("ALTER TABLE mass_messages ADD COLUMN created_shift_id uuid")


def downgrade() -> None:
    op.execute("ALTER TABLE mass_messages DROP COLUMN created_shift_id")
    op.execute("ALTER TABLE drafts DROP COLUMN approved_shift_id")
