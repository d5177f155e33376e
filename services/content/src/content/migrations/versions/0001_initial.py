"""content: the chassis tables (outbox, processed events, timers, external calls)

Revision ID: 0001
Revises:
"""

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


def upgrade() -> None:
    create_chassis_tables()
    create_chassis_tables_v2()


def downgrade() -> None:
    drop_chassis_tables_v2()
    drop_chassis_tables()
