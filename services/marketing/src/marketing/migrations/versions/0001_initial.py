"""marketing: social accounts (credentials encrypted) and scheduled posts; chassis outbox, processed
events and timers

Revision ID: 0001
Revises:
"""

from alembic import op

from huntaze_service.migrations import (
    create_chassis_tables,
    create_chassis_tables_v2,
    drop_chassis_tables,
    drop_chassis_tables_v2,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NETWORKS = "('instagram', 'tiktok', 'x', 'reddit')"
STATUSES = "('scheduled', 'publishing', 'published', 'failed', 'cancelled')"


def upgrade() -> None:
    create_chassis_tables()
    create_chassis_tables_v2()
    op.execute(
        f"""
        CREATE TABLE social_accounts (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            network varchar(16) NOT NULL CHECK (network IN {NETWORKS}),
            handle varchar(64) NOT NULL,
            credentials bytea NOT NULL,
            created_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_social_accounts_handle ON social_accounts (creator_id, network, lower(handle))")
    op.execute(
        f"""
        CREATE TABLE posts (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            account_id uuid NOT NULL,
            network varchar(16) NOT NULL CHECK (network IN {NETWORKS}),
            caption text NOT NULL,
            media_ids uuid[] NOT NULL DEFAULT '{{}}',
            cta text,
            title text,
            subreddit varchar(32),
            publish_at timestamptz NOT NULL,
            status varchar(16) NOT NULL CHECK (status IN {STATUSES}),
            client_ref uuid NOT NULL UNIQUE,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            network_post_id text,
            error text,
            published_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_posts_creator_publish ON posts (creator_id, publish_at, id)")
    op.execute("CREATE INDEX ix_posts_account_open ON posts (account_id) WHERE status IN ('scheduled', 'publishing')")


def downgrade() -> None:
    op.execute("DROP TABLE posts")
    op.execute("DROP TABLE social_accounts")
    drop_chassis_tables_v2()
    drop_chassis_tables()
