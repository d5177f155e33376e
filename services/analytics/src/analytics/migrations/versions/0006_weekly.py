"""analytics: the weekly summary — which creators have their weekly timer, each week summarised
(one row per creator and period start, written with the ``week.summarized`` it emits), and the posts'
caption excerpts (``post.scheduled``: how a summary names a post)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE weekly_schedules (
        creator_id uuid PRIMARY KEY,
        first_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE weekly_summaries (
        creator_id uuid NOT NULL,
        period_start date NOT NULL,
        summary_key varchar(120) NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        currency varchar(3) NOT NULL,
        revenue_cents bigint NOT NULL,
        previous_revenue_cents bigint NOT NULL,
        summarized_at timestamptz NOT NULL,
        PRIMARY KEY (creator_id, period_start)
    )
    """,
    """
    CREATE TABLE post_captions (
        creator_id uuid NOT NULL,
        post_id uuid NOT NULL,
        caption_excerpt varchar(120) NOT NULL,
        revision integer NOT NULL,
        PRIMARY KEY (creator_id, post_id)
    )
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for table in ("post_captions", "weekly_summaries", "weekly_schedules"):
        op.execute(f"DROP TABLE {table}")
