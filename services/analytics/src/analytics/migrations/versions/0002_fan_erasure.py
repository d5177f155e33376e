"""analytics: erased_fans — the fans whose personal data was erased (fan.erased): their names are not
stored again; their money stays counted

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE erased_fans (
            fan_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            erased_at timestamptz NOT NULL,
            requested_by uuid,
            event_id uuid NOT NULL,
            applied_at timestamptz NOT NULL,
            applications integer NOT NULL DEFAULT 1
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE erased_fans")
