"""marketing: what the calendar needs — each post's revision (post.scheduled), the calendar command
that made a post (one post per command), and the calendar commands answered (once each)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE posts ADD COLUMN revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1)")
    op.execute("ALTER TABLE posts ADD COLUMN command_id uuid")
    op.execute("CREATE UNIQUE INDEX uq_posts_command ON posts (creator_id, command_id) WHERE command_id IS NOT NULL")
    op.execute(
        """
        CREATE TABLE calendar_commands (
            creator_id uuid NOT NULL,
            command_id uuid NOT NULL,
            post_id uuid,
            answered_at timestamptz NOT NULL,
            PRIMARY KEY (creator_id, command_id)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE calendar_commands")
    op.execute("DROP INDEX uq_posts_command")
    op.execute("ALTER TABLE posts DROP COLUMN command_id, DROP COLUMN revision")
