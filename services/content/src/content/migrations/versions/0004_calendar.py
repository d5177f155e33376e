"""content: the calendar: read model of every service's plans, its own items (drops, notes), moves and conflicts (issue 13)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ENTRIES = """
    CREATE TABLE calendar_entries (
        creator_id uuid NOT NULL,
        entry_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('drop', 'note', 'post', 'mass_message', 'campaign', 'shift', 'automation')),
        source text NOT NULL CHECK (source IN ('content', 'marketing', 'inbox', 'gateway')),
        title text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NULL,
        status text NOT NULL,
        network text NULL,
        segments text[] NOT NULL DEFAULT '{}',
        media_ids uuid[] NOT NULL DEFAULT '{}',
        link text NOT NULL,
        result_cents bigint NULL,
        currency text NULL,
        revision int NOT NULL DEFAULT 0,
        pending_command_id uuid NULL,
        pending_starts_at timestamptz NULL,
        details jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        final boolean NOT NULL DEFAULT false,
        event_at timestamptz NULL,
        PRIMARY KEY (creator_id, entry_id),
        CHECK (ends_at IS NULL OR ends_at >= starts_at),
        CHECK ((pending_command_id IS NULL) = (pending_starts_at IS NULL))
    )
"""

COMMENTS = {
    "final": "The owner said it is over (published, failed, sent, a shift cancelled): plan events no longer change its status.",
    "event_at": "occurred_at of the last event applied, for sources without a revision (automation runs).",
    "revision": "The revision of its owner (post, mass message) or of the item itself (drop, note); 0: not seen yet.",
}


def upgrade() -> None:
    op.execute(ENTRIES)
    op.execute("CREATE INDEX ix_calendar_entries_creator_starts ON calendar_entries (creator_id, starts_at)")
    op.execute(
        "CREATE INDEX ix_calendar_entries_creator_spans ON calendar_entries (creator_id, ends_at) "
        "WHERE ends_at IS NOT NULL"
    )
    for column, text in COMMENTS.items():
        op.execute(f"COMMENT ON COLUMN calendar_entries.{column} IS '{text}'")
    op.execute(
        """
        CREATE TABLE calendar_mass_unlocks (
            creator_id uuid NOT NULL,
            offer_id uuid NOT NULL,
            mass_message_id uuid NOT NULL,
            net_cents bigint NOT NULL,
            currency text NOT NULL,
            PRIMARY KEY (creator_id, offer_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_calendar_mass_unlocks_mass ON calendar_mass_unlocks (creator_id, mass_message_id)")
    op.execute(
        """
        CREATE TABLE calendar_click_hours (
            creator_id uuid NOT NULL,
            network text NOT NULL,
            hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
            clicks bigint NOT NULL,
            PRIMARY KEY (creator_id, network, hour)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE calendar_click_hours")
    op.execute("DROP TABLE calendar_mass_unlocks")
    op.execute("DROP TABLE calendar_entries")
