"""inbox: mass messages — the fans read model they target (audience_fans, from fan.profile_updated
and fan.segment_changed), mass messages, and one delivery per fan

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audience_fans (
            fan_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            external_id varchar(128),
            display_name varchar(100),
            segments text[] NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_audience_fans_creator ON audience_fans (creator_id)")
    op.execute("CREATE INDEX ix_audience_fans_segments ON audience_fans USING gin (segments)")
    op.execute(
        """
        CREATE TABLE mass_messages (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            audience jsonb NOT NULL,
            text text NOT NULL,
            price_cents integer CHECK (price_cents > 0),
            currency varchar(3) NOT NULL,
            media_ids uuid[] NOT NULL DEFAULT '{}',
            send_at timestamptz NOT NULL,
            status varchar(10) NOT NULL,
            created_at timestamptz NOT NULL,
            created_by uuid NOT NULL,
            recipients integer NOT NULL DEFAULT 0,
            started_at timestamptz,
            finished_at timestamptz,
            cancelled_at timestamptz,
            cancelled_by uuid
        )
        """
    )
    op.execute("CREATE INDEX ix_mass_messages_creator_created ON mass_messages (creator_id, created_at DESC, id DESC)")
    op.execute(
        """
        CREATE TABLE mass_deliveries (
            mass_message_id uuid NOT NULL REFERENCES mass_messages (id),
            fan_id uuid NOT NULL,
            external_id varchar(128) NOT NULL,
            display_name varchar(100) NOT NULL,
            status varchar(10) NOT NULL,
            offer_id uuid,
            reason text,
            handed_at timestamptz,
            PRIMARY KEY (mass_message_id, fan_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_mass_deliveries_status ON mass_deliveries (mass_message_id, status)")
    op.execute("CREATE INDEX ix_offers_mass_message ON offers (mass_message_id) WHERE mass_message_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_offers_mass_message")
    op.execute("DROP TABLE mass_deliveries")
    op.execute("DROP TABLE mass_messages")
    op.execute("DROP TABLE audience_fans")
