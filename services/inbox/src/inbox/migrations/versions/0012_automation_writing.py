"""inbox: an automation run may wait for the AI to write its message (status ``writing``)

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE automation_runs DROP CONSTRAINT status")
    op.execute(
        "ALTER TABLE automation_runs ADD CONSTRAINT status "
        "CHECK (status IN ('pending', 'writing', 'drafted', 'autosent', 'skipped'))"
    )


def downgrade() -> None:
    op.execute("UPDATE automation_runs SET status = 'skipped', reason = 'downgraded' WHERE status = 'writing'")
    op.execute("ALTER TABLE automation_runs DROP CONSTRAINT status")
    op.execute(
        "ALTER TABLE automation_runs ADD CONSTRAINT status CHECK (status IN ('pending', 'drafted', 'autosent', 'skipped'))"
    )
