"""gateway: billing — organisations' revision (``organization.updated``) and the entitlement read model

``organizations.revision``: +1 under the row's lock, in the transaction of each change billing must
hear of (sign-up, creator added, member joined or removed), and carried by ``organization.updated``.
Existing organisations start at 0: billing hears of them at their next change.

``entitlements``: billing's ``entitlement.changed``, the highest revision per organisation (what the
402s on creator accounts and seats read). Filled by the gateway's consumer.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB()


def upgrade() -> None:
    op.add_column("organizations", sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "entitlements",
        sa.Column("org_id", UUID, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("plan_name", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("limits", JSONB, nullable=False),
        sa.Column("features", JSONB, nullable=False),
        sa.Column("upgrades", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("entitlements")
    op.drop_column("organizations", "revision")
