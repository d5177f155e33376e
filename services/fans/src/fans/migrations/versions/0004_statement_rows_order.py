"""fans: staged statement rows are read in apply order (oldest sale first) through an index, so a
chunk does not sort every remaining row

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_statement_rows_order ON statement_rows (import_id, occurred_at, line_no)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_statement_rows_order")
