"""chassis v2: durable timers and external calls

Revision ID: 0002
Revises: 0001
"""

from huntaze_service.migrations import create_chassis_tables_v2, drop_chassis_tables_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables_v2()


def downgrade() -> None:
    drop_chassis_tables_v2()
