"""inbox: price tests — the ai's running tests and their arms; a mass message's test and arms

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE price_tests (
            experiment_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            arms bigint[] NOT NULL,
            ended_at timestamptz
        );
        ALTER TABLE mass_messages ADD COLUMN experiment_id uuid, ADD COLUMN experiment_arms bigint[];
        """
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE mass_messages DROP COLUMN experiment_id, DROP COLUMN experiment_arms; DROP TABLE price_tests"
    )
