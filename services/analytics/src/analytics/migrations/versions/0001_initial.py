"""analytics: transactions, fans, subscriptions (read models); chassis outbox, processed events and timers

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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

TYPES = ("subscription", "renewal", "message", "post", "tip", "stream_tip", "refund", "chargeback")
LINES = ("subscriptions", "messages", "posts", "tips", "refunds", "chargebacks")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    create_chassis_tables()
    create_chassis_tables_v2()
    op.create_table(
        "transactions",
        sa.Column("transaction_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("fan_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("net_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(_one_of("type", TYPES), name="ck_transactions_type"),
        sa.CheckConstraint(_one_of("line", LINES), name="ck_transactions_line"),
    )
    op.create_index(
        "ix_transactions_creator_currency_occurred",
        "transactions",
        ["creator_id", "currency", "occurred_at"],
        postgresql_include=["line", "fan_id", "gross_cents", "net_cents"],
    )
    op.create_table(
        "fans",
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("fan_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("creator_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("fan_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("subscriptions")
    op.drop_table("fans")
    op.drop_table("transactions")
    drop_chassis_tables_v2()
    drop_chassis_tables()
