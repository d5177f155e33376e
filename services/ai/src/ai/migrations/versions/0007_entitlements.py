"""ai: the read model of each organisation's entitlements (entitlement.changed, from billing) and the
monthly AI-draft counters reserved before each drafting call (the tables are the chassis':
huntaze_service.entitlements)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from huntaze_service.entitlements import DDL, DROP

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP:
        op.execute(statement)
