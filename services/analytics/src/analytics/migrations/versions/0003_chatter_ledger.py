"""analytics: the chatters' read models (replies, offers, shifts) and the append-only sales ledger

The ledger refuses UPDATE, DELETE and TRUNCATE in the database itself: a line never changes after
the fact; a correction (refund, chargeback) is a new, negative line.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE chatter_replies (
        message_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        fan_id uuid NOT NULL,
        chatter_id uuid NOT NULL,
        shift_id uuid,
        sent_at timestamptz NOT NULL,
        answered_received_at timestamptz
    )
    """,
    "CREATE INDEX ix_chatter_replies_creator_sent ON chatter_replies (creator_id, sent_at)",
    "CREATE INDEX ix_chatter_replies_fan_sent ON chatter_replies (creator_id, fan_id, sent_at)",
    """
    CREATE TABLE chatter_offers (
        offer_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        fan_id uuid NOT NULL,
        chatter_id uuid,
        shift_id uuid,
        mass_message_id uuid,
        price_cents bigint NOT NULL CHECK (price_cents > 0),
        currency char(3) NOT NULL,
        sent_at timestamptz NOT NULL,
        unlocked_at timestamptz
    )
    """,
    "CREATE INDEX ix_chatter_offers_creator_sent ON chatter_offers (creator_id, sent_at)",
    """
    CREATE TABLE chatter_shifts (
        creator_id uuid NOT NULL,
        shift_id uuid NOT NULL,
        user_id uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        cancelled_at timestamptz,
        PRIMARY KEY (creator_id, shift_id)
    )
    """,
    "CREATE INDEX ix_chatter_shifts_creator_ends ON chatter_shifts (creator_id, ends_at)",
    """
    CREATE TABLE chatter_ledger (
        transaction_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        fan_id uuid NOT NULL,
        chatter_id uuid NOT NULL,
        shift_id uuid,
        kind text NOT NULL CHECK (kind IN ('unlock', 'after_reply', 'reversal')),
        reason text NOT NULL,
        gross_cents bigint NOT NULL,
        net_cents bigint NOT NULL,
        currency char(3) NOT NULL,
        occurred_at timestamptz NOT NULL,
        offer_id uuid,
        mass_message_id uuid,
        reply_message_id uuid,
        reverses uuid,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
    )
    """,
    "CREATE INDEX ix_chatter_ledger_creator_occurred ON chatter_ledger (creator_id, occurred_at, transaction_id)",
    "CREATE INDEX ix_chatter_ledger_creator_fan ON chatter_ledger (creator_id, fan_id, occurred_at)",
    """
    CREATE FUNCTION chatter_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'chatter_ledger is append-only: % refused (corrections are new lines)', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER chatter_ledger_no_change BEFORE UPDATE OR DELETE ON chatter_ledger
        FOR EACH ROW EXECUTE FUNCTION chatter_ledger_append_only()
    """,
    """
    CREATE TRIGGER chatter_ledger_no_truncate BEFORE TRUNCATE ON chatter_ledger
        FOR EACH STATEMENT EXECUTE FUNCTION chatter_ledger_append_only()
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE chatter_ledger")
    op.execute("DROP FUNCTION chatter_ledger_append_only()")
    op.execute("DROP TABLE chatter_shifts")
    op.execute("DROP TABLE chatter_offers")
    op.execute("DROP TABLE chatter_replies")
