"""content: the usage history of each medium: posts, offers, mass messages, fans sent and fans who bought (issue 13)

A read model built from events only (``ppv.offered``, ``ppv.unlocked``, ``massmessage.sent``,
``post.published``, ``transaction.recorded`` with a ``ref``, ``fan.erased``). Every fact has the key
that makes it one fact whichever event brings it: an offer its offer id, a sale or a refund its
transaction id, a mass message and a post their ids. Sums are made at read time from these facts,
so nothing depends on the order the events arrive in. The views are what other parts of the service
(the vault's ``sold`` filter) join on.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE usage_offers (
            offer_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid,
            price_cents integer NOT NULL CHECK (price_cents > 0),
            currency char(3) NOT NULL,
            mass_message_id uuid,
            by_user_id uuid,
            by_automation varchar(32),
            offered_at timestamptz NOT NULL
        )
        """
    )
    op.execute("COMMENT ON COLUMN usage_offers.fan_id IS 'NULL once the fan is erased (fan.erased)'")
    op.execute("CREATE INDEX ix_usage_offers_fan ON usage_offers (creator_id, fan_id) WHERE fan_id IS NOT NULL")
    op.execute(
        """
        CREATE TABLE usage_offer_transactions (
            transaction_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            offer_id uuid NOT NULL,
            fan_id uuid,
            type varchar(16) NOT NULL,
            gross_cents bigint NOT NULL,
            net_cents bigint NOT NULL,
            currency char(3) NOT NULL,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_usage_offer_transactions_offer ON usage_offer_transactions (creator_id, offer_id)")
    op.execute(
        "CREATE INDEX ix_usage_offer_transactions_fan ON usage_offer_transactions (creator_id, fan_id) "
        "WHERE fan_id IS NOT NULL"
    )
    op.execute(
        """
        CREATE TABLE usage_mass_messages (
            mass_message_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            status varchar(10) NOT NULL,
            recipients integer NOT NULL,
            sent integer NOT NULL,
            failed integer NOT NULL,
            skipped integer NOT NULL,
            cancelled integer NOT NULL,
            price_cents integer,
            currency char(3) NOT NULL,
            started_at timestamptz NOT NULL,
            finished_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE usage_posts (
            post_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            account_id uuid NOT NULL,
            network varchar(16) NOT NULL,
            network_post_id varchar(128) NOT NULL,
            published_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE usage_media (
            creator_id uuid NOT NULL,
            media_id uuid NOT NULL,
            kind varchar(12) NOT NULL CHECK (kind IN ('offer', 'mass_message', 'post')),
            use_id uuid NOT NULL,
            used_at timestamptz NOT NULL,
            PRIMARY KEY (creator_id, media_id, kind, use_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_usage_media_use ON usage_media (use_id)")
    # the creator's fans as events name them (fan.profile_updated, offers, transactions): the tenant
    # wall of the per-fan routes (a fan id is a pseudonym: it stays after an erasure)
    op.execute(
        """
        CREATE TABLE usage_fans (
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            PRIMARY KEY (creator_id, fan_id)
        )
        """
    )
    # the fans whose personal data was erased (huntaze_service.tombstones: same columns everywhere)
    op.execute(
        """
        CREATE TABLE IF NOT EXISTS erased_fans (
            fan_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            erased_at timestamptz NOT NULL,
            requested_by uuid,
            event_id uuid NOT NULL,
            applied_at timestamptz NOT NULL,
            applications integer NOT NULL DEFAULT 1
        )
        """
    )
    # what counts: an offer's transactions of its creator, fan and currency (a transaction naming
    # another creator's offer, or in another currency, or of another fan, is wrong data: not counted)
    op.execute(
        """
        CREATE VIEW usage_counted_transactions AS
        SELECT o.creator_id, o.offer_id, t.transaction_id, t.type, t.gross_cents, t.net_cents, o.currency,
               t.occurred_at, t.type NOT IN ('refund', 'chargeback') AS sale
        FROM usage_offers o
        JOIN usage_offer_transactions t
          ON t.creator_id = o.creator_id AND t.offer_id = o.offer_id AND t.currency = o.currency
         AND t.fan_id IS NOT DISTINCT FROM o.fan_id
        """
    )
    # sold: an offer unlocked (a sale) and not fully refunded (its transactions sum above zero)
    op.execute(
        """
        CREATE VIEW usage_sold_media AS
        SELECT um.creator_id, um.media_id, um.use_id AS offer_id
        FROM usage_media um
        JOIN usage_offers o ON o.offer_id = um.use_id AND o.creator_id = um.creator_id
        WHERE um.kind = 'offer'
          AND EXISTS (SELECT 1 FROM usage_counted_transactions c
                      WHERE c.creator_id = o.creator_id AND c.offer_id = o.offer_id AND c.sale)
          AND (SELECT sum(c.gross_cents) FROM usage_counted_transactions c
               WHERE c.creator_id = o.creator_id AND c.offer_id = o.offer_id) > 0
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW usage_sold_media")
    op.execute("DROP VIEW usage_counted_transactions")
    op.execute("DROP TABLE IF EXISTS erased_fans")
    op.execute("DROP TABLE usage_fans")
    op.execute("DROP TABLE usage_media")
    op.execute("DROP TABLE usage_posts")
    op.execute("DROP TABLE usage_mass_messages")
    op.execute("DROP TABLE usage_offer_transactions")
    op.execute("DROP TABLE usage_offers")
