"""ai: weekly insights — one row per creator and week: the facts analytics summarized (week.summarized),
then once the review written from them, how (model, offline writer or template) and the numbers refused.
Nothing of fans: the facts' labels name sources, segments, posts, links, media and chatters.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE weekly_insights (
            creator_id uuid NOT NULL,
            period_start date NOT NULL,
            period_end date NOT NULL,
            currency varchar(3) NOT NULL,
            facts jsonb NOT NULL,
            summarized_at timestamptz NOT NULL,
            text text,
            source varchar(16) CHECK (source IN ('model', 'offline', 'template')),
            grounded boolean,
            fallback varchar(16),
            refused jsonb,
            provider varchar(40),
            model varchar(100),
            written_at timestamptz,
            PRIMARY KEY (creator_id, period_start),
            CHECK ((text IS NULL) = (written_at IS NULL))
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE weekly_insights")
