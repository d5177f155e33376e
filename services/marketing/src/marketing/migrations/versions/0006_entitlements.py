"""marketing: the read model of each organisation's entitlements (entitlement.changed, from billing),
for the networks posts may be scheduled on (the chassis' tables: huntaze_service.entitlements)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from huntaze_service.entitlements import DDL, DROP

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP:
        op.execute(statement)
