"""ai: price experiments — the tests (one running per creator at a time) and which offers belong to one

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE price_experiments (
            experiment_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            name varchar(120) NOT NULL,
            arms bigint[] NOT NULL,
            currency varchar(3) NOT NULL,
            min_offers_per_arm integer NOT NULL,
            max_offers_per_arm integer NOT NULL,
            status varchar(16) NOT NULL,
            started_at timestamptz NOT NULL,
            started_by uuid NOT NULL,
            ended_at timestamptz,
            winner_price_cents bigint,
            recommended_price_cents bigint,
            stopped_by uuid
        );
        CREATE UNIQUE INDEX ux_price_experiments_running ON price_experiments (creator_id) WHERE status = 'running';
        CREATE INDEX ix_price_experiments_creator ON price_experiments (creator_id, started_at DESC);
        ALTER TABLE pricing_offers ADD COLUMN experiment_id uuid;
        CREATE INDEX ix_pricing_offers_experiment ON pricing_offers (experiment_id) WHERE experiment_id IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE pricing_offers DROP COLUMN experiment_id; DROP TABLE price_experiments")
