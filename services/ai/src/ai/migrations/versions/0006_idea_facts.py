"""ai: what sells, for content ideas — the ai service's read model of sales by hour, unlocks, media
titles and tags, posts and conversions (from events), and each ideas request's answer (once)

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
        CREATE TABLE idea_sales (
            transaction_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid,
            occurred_at timestamptz NOT NULL,
            hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
            net_cents bigint NOT NULL,
            currency varchar(3) NOT NULL
        );
        CREATE INDEX ix_idea_sales_creator ON idea_sales (creator_id, hour);
        CREATE INDEX ix_idea_sales_fan ON idea_sales (fan_id);
        CREATE TABLE idea_unlocks (
            offer_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid,
            media_ids uuid[] NOT NULL,
            price_cents bigint NOT NULL,
            net_cents bigint NOT NULL,
            currency varchar(3) NOT NULL,
            unlocked_at timestamptz NOT NULL
        );
        CREATE INDEX ix_idea_unlocks_creator ON idea_unlocks (creator_id, unlocked_at DESC);
        CREATE INDEX ix_idea_unlocks_fan ON idea_unlocks (fan_id);
        CREATE TABLE idea_media (
            media_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            title text NOT NULL,
            tags text[] NOT NULL DEFAULT '{}',
            revision integer NOT NULL,
            deleted boolean NOT NULL DEFAULT false
        );
        CREATE TABLE idea_posts (
            post_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            network varchar(16) NOT NULL,
            published_at timestamptz NOT NULL
        );
        CREATE TABLE idea_conversions (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid,
            post_id uuid,
            network varchar(16),
            converted_at timestamptz NOT NULL
        );
        CREATE INDEX ix_idea_conversions_creator ON idea_conversions (creator_id);
        CREATE INDEX ix_idea_conversions_fan ON idea_conversions (fan_id);
        CREATE TABLE idea_answers (
            request_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            target varchar(16) NOT NULL,
            provider varchar(40) NOT NULL,
            model varchar(100),
            ideas jsonb NOT NULL,
            created_at timestamptz NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE idea_answers, idea_conversions, idea_posts, idea_media, idea_unlocks, idea_sales")
