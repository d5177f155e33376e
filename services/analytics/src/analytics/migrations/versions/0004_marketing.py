"""analytics: the marketing read models — clicks on tracking links, conversions, campaign costs

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE link_clicks (
        click_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        link_id uuid NOT NULL,
        post_id uuid,
        campaign_id uuid,
        network varchar(16),
        clicked_at timestamptz NOT NULL,
        bot boolean NOT NULL
    )
    """,
    "CREATE INDEX ix_link_clicks_creator_clicked ON link_clicks (creator_id, clicked_at)",
    """
    CREATE TABLE link_conversions (
        creator_id uuid NOT NULL,
        fan_id uuid NOT NULL,
        link_id uuid NOT NULL,
        post_id uuid,
        campaign_id uuid,
        network varchar(16),
        converted_at timestamptz NOT NULL,
        PRIMARY KEY (creator_id, fan_id)
    )
    """,
    "CREATE INDEX ix_link_conversions_creator_converted ON link_conversions (creator_id, converted_at)",
    """
    CREATE TABLE campaign_costs (
        campaign_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        name varchar(120) NOT NULL,
        cost_cents bigint NOT NULL CHECK (cost_cents >= 0),
        currency char(3) NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL
    )
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for table in ("campaign_costs", "link_conversions", "link_clicks"):
        op.execute(f"DROP TABLE {table}")
