"""content: content ideas asked of the ai (issue 13) — each request (pending until ideas.generated
answers it) and the ideas it brought (new, accepted into the calendar, or dismissed)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE idea_requests (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            target varchar(16) NOT NULL,
            count smallint NOT NULL CHECK (count BETWEEN 1 AND 20),
            theme text,
            requested_by uuid NOT NULL,
            status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
            provider varchar(40),
            model varchar(100),
            requested_at timestamptz NOT NULL,
            done_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_idea_requests_creator ON idea_requests (creator_id, requested_at DESC)")
    op.execute(
        """
        CREATE TABLE ideas (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            request_id uuid NOT NULL REFERENCES idea_requests (id),
            position smallint NOT NULL,
            target varchar(16) NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            hashtags text[] NOT NULL DEFAULT '{}',
            grounded_on text[] NOT NULL DEFAULT '{}',
            status varchar(10) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'dismissed')),
            planned_for timestamptz,
            calendar_item_id uuid,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            UNIQUE (request_id, position)
        )
        """
    )
    op.execute("CREATE INDEX ix_ideas_creator ON ideas (creator_id, created_at DESC, id DESC)")


def downgrade() -> None:
    op.execute("DROP TABLE ideas")
    op.execute("DROP TABLE idea_requests")
