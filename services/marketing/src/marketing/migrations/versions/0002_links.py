"""marketing: queue slots, campaigns, approved link domains, tracking links, clicks, conversions and
the read model of sales that attribution sums

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NETWORKS = "('instagram', 'tiktok', 'x', 'reddit')"


QUEUE_SLOTS = """
    CREATE TABLE queue_slots (
        account_id uuid NOT NULL REFERENCES social_accounts (id) ON DELETE CASCADE,
        creator_id uuid NOT NULL,
        weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
        at time NOT NULL,
        timezone varchar(64) NOT NULL,
        PRIMARY KEY (account_id, weekday, at)
    )
"""


def upgrade() -> None:
    op.execute(QUEUE_SLOTS)
    op.execute(
        """
        CREATE TABLE campaigns (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            name varchar(120) NOT NULL,
            cost_cents bigint NOT NULL CHECK (cost_cents >= 0),
            currency char(3) NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
            created_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_campaigns_creator ON campaigns (creator_id, starts_at)")
    op.execute("ALTER TABLE posts ADD COLUMN campaign_id uuid REFERENCES campaigns (id)")
    op.execute("ALTER TABLE posts ADD COLUMN cta_test_id uuid, ADD COLUMN variant char(1)")
    op.execute("ALTER TABLE posts ADD COLUMN media_urls text[] NOT NULL DEFAULT '{}'")
    op.execute("CREATE INDEX ix_posts_cta_test ON posts (cta_test_id) WHERE cta_test_id IS NOT NULL")
    op.execute(
        """
        CREATE TABLE link_domains (
            creator_id uuid NOT NULL,
            domain varchar(253) NOT NULL,
            PRIMARY KEY (creator_id, domain)
        )
        """
    )
    op.execute(
        f"""
        CREATE TABLE links (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            code varchar(16) NOT NULL UNIQUE,
            target_url text NOT NULL,
            label varchar(120) NOT NULL,
            onlyfans_link text,
            onlyfans_key text,
            campaign_id uuid REFERENCES campaigns (id),
            post_id uuid REFERENCES posts (id),
            network varchar(16) CHECK (network IN {NETWORKS}),
            created_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_links_creator ON links (creator_id, created_at)")
    op.execute("CREATE UNIQUE INDEX uq_links_onlyfans ON links (creator_id, onlyfans_key)")
    op.execute(
        f"""
        CREATE TABLE clicks (
            id uuid PRIMARY KEY,
            link_id uuid NOT NULL REFERENCES links (id),
            creator_id uuid NOT NULL,
            clicked_at timestamptz NOT NULL,
            network varchar(16) CHECK (network IN {NETWORKS}),
            country char(2),
            referrer_host varchar(253),
            bot boolean NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_clicks_link ON clicks (link_id, clicked_at)")
    op.execute(
        """
        CREATE TABLE conversions (
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            link_id uuid NOT NULL REFERENCES links (id),
            converted_at timestamptz NOT NULL,
            PRIMARY KEY (creator_id, fan_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_conversions_link ON conversions (link_id)")
    op.execute(
        """
        CREATE TABLE sales (
            transaction_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            gross_cents bigint NOT NULL,
            net_cents bigint NOT NULL,
            currency char(3) NOT NULL,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_sales_fan ON sales (creator_id, fan_id, occurred_at)")


def downgrade() -> None:
    for table in ("sales", "conversions", "clicks", "links", "link_domains"):
        op.execute(f"DROP TABLE {table}")
    op.execute(
        "ALTER TABLE posts DROP COLUMN campaign_id, DROP COLUMN cta_test_id, DROP COLUMN variant, DROP COLUMN media_urls"
    )
    op.execute("DROP TABLE campaigns")
    op.execute("DROP TABLE queue_slots")
