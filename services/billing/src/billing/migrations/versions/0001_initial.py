"""billing: plans (seeded free/pro/agency), accounts, stored Stripe events, metering; chassis tables

Revision ID: 0001
Revises:
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from billing.plans import SEED_PLANS, PlanIn
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

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_chassis_tables()
    create_chassis_tables_v2()
    op.create_table(
        "plans",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("stripe_price_monthly", sa.String(255), unique=True),
        sa.Column("stripe_price_yearly", sa.String(255), unique=True),
        sa.Column("stripe_meter_event", sa.String(100)),
        sa.Column("limits", postgresql.JSONB(), nullable=False),
        sa.Column("features", postgresql.JSONB(), nullable=False),
        sa.Column("amount_monthly_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_yearly_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    for data in SEED_PLANS:
        plan = PlanIn.model_validate(data).model_dump(mode="json")
        op.execute(
            sa.text(
                "INSERT INTO plans (code, name, rank, public, stripe_price_monthly, stripe_price_yearly, "
                "stripe_meter_event, limits, features, amount_monthly_cents, amount_yearly_cents, currency) VALUES "
                "(:code, :name, :rank, :public, :stripe_price_monthly, :stripe_price_yearly, :stripe_meter_event, "
                "CAST(:limits AS jsonb), CAST(:features AS jsonb), :amount_monthly_cents, :amount_yearly_cents, "
                ":currency)"
            ).bindparams(**(plan | {"limits": json.dumps(plan["limits"]), "features": json.dumps(plan["features"])}))
        )
    op.create_table(
        "accounts",
        sa.Column("org_id", UUID, primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("org_revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("creator_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), unique=True),
        sa.Column("subscription_id", sa.String(255)),
        sa.Column("subscription_created", sa.BigInteger(), nullable=False),
        sa.Column("canceled_subscriptions", postgresql.ARRAY(sa.String(255)), nullable=False),
        sa.Column("sub_plan", sa.String(32)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("billing_interval", sa.String(8)),
        sa.Column("current_period_end", TS),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("grace_until", TS),
        sa.Column("grace_expired", sa.Boolean(), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("processed_at", TS),
        sa.Column("outcome", sa.String(32)),
        sa.Column("org_id", UUID),
    )
    op.create_index("ix_stripe_events_org", "stripe_events", ["org_id", "created"])
    op.create_table(
        "creator_orgs",
        sa.Column("creator_id", UUID, primary_key=True),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_table(
        "usage_units",
        sa.Column("unit_id", UUID, primary_key=True),
        sa.Column("creator_id", UUID, nullable=False),
        sa.Column("org_id", UUID),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
    )
    op.create_index("ix_usage_units_pending", "usage_units", ["creator_id"], postgresql_where=sa.text("org_id IS NULL"))
    op.create_table(
        "usage_counters",
        sa.Column("org_id", UUID, primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in ("usage_counters", "usage_units", "creator_orgs", "stripe_events", "accounts", "plans"):
        op.drop_table(table)
    drop_chassis_tables_v2()
    drop_chassis_tables()
