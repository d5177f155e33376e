"""ai: fan_facts — the ai service's read model of each fan (spend, segments, subscription), from
transaction.recorded, fan.segment_changed and subscription.*; drafts are written with it

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE fan_facts (
            fan_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            net_cents bigint NOT NULL DEFAULT 0,
            currency varchar(3) NOT NULL DEFAULT 'USD',
            purchases integer NOT NULL DEFAULT 0,
            segments text[] NOT NULL DEFAULT '{}',
            subscription varchar(10),
            expires_at timestamptz,
            auto_renew boolean,
            subscription_at timestamptz,
            updated_at timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE fan_facts")
