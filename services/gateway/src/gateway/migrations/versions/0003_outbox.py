"""gateway: chassis v1 (the outbox and the processed-events record)

The gateway now produces events (``shift.scheduled``, ``shift.cancelled``): they are written to its
outbox in the transaction of the change and published by its relay. ``processed_events`` comes with
the same chassis schema; the gateway consumes nothing, and housekeeping clears both tables.

Revision ID: 0003
Revises: 0002
"""

from huntaze_service.migrations import create_chassis_tables, drop_chassis_tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()


def downgrade() -> None:
    drop_chassis_tables()
