"""content: the calendar's private iCalendar feed tokens and its imports (issue 13)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one private feed per (creator account, user): only the token's SHA-256 is kept
    op.execute(
        """
        CREATE TABLE calendar_feeds (
            creator_id uuid NOT NULL,
            user_id uuid NOT NULL,
            token_sha256 bytea NOT NULL,
            created_at timestamptz NOT NULL,
            last_used_at timestamptz NULL,
            PRIMARY KEY (creator_id, user_id),
            CONSTRAINT calendar_feeds_token_is_sha256 CHECK (octet_length(token_sha256) = 32)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_sha256)")
    # an import (a file), and its rows as reported
    op.execute(
        """
        CREATE TABLE calendar_imports (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            created_by uuid NOT NULL,
            format text NOT NULL CHECK (format IN ('csv', 'json')),
            rows_total int NOT NULL,
            created_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX calendar_imports_creator ON calendar_imports (creator_id, created_at)")
    op.execute(
        """
        CREATE TABLE calendar_import_rows (
            import_id uuid NOT NULL REFERENCES calendar_imports (id) ON DELETE CASCADE,
            line int NOT NULL,
            creator_id uuid NOT NULL,
            kind text NULL,
            row_id uuid NULL,
            status text NOT NULL
                CHECK (status IN ('created', 'duplicate', 'invalid', 'requested', 'refused')),
            error text NULL,
            post_id uuid NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (import_id, line)
        )
        """
    )
    # a row's identity (uuid5 of the creator and the row's normalised content) lives at most once:
    # the same row imported again is a duplicate (a refused post may be asked again)
    op.execute(
        "CREATE UNIQUE INDEX calendar_import_rows_live ON calendar_import_rows (creator_id, row_id) "
        "WHERE status IN ('created', 'requested')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS calendar_import_rows")
    op.execute("DROP TABLE IF EXISTS calendar_imports")
    op.execute("DROP TABLE IF EXISTS calendar_feeds")
