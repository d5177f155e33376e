"""inbox: paid offers (PPV) one to one — offers, the transactions counted in each, and the offer an
outbound message carried (messages.offer_id)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE offers (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            conversation_id uuid NOT NULL REFERENCES conversations (id),
            fan_id uuid NOT NULL,
            text text NOT NULL,
            price_cents integer NOT NULL CHECK (price_cents > 0),
            currency varchar(3) NOT NULL,
            media_ids uuid[] NOT NULL CHECK (cardinality(media_ids) > 0),
            status varchar(10) NOT NULL,
            created_at timestamptz NOT NULL,
            created_by uuid,
            shift_id uuid,
            automation varchar(32),
            mass_message_id uuid,
            sent_at timestamptz,
            expires_at timestamptz,
            message_id uuid,
            delivery varchar(32),
            send_error text,
            unlocked_at timestamptz,
            unlock_transaction_id uuid,
            gross_cents bigint NOT NULL DEFAULT 0,
            net_cents bigint NOT NULL DEFAULT 0,
            transactions integer NOT NULL DEFAULT 0
        )
        """
    )
    op.execute("CREATE INDEX ix_offers_conversation_created ON offers (conversation_id, created_at)")
    op.execute("CREATE INDEX ix_offers_creator_fan ON offers (creator_id, fan_id, created_at)")
    op.execute(
        """
        CREATE TABLE offer_transactions (
            offer_id uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
            transaction_id uuid NOT NULL,
            PRIMARY KEY (offer_id, transaction_id)
        )
        """
    )
    op.execute("ALTER TABLE messages ADD COLUMN offer_id uuid")


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN offer_id")
    op.execute("DROP TABLE offer_transactions")
    op.execute("DROP TABLE offers")
