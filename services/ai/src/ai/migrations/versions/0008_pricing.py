"""ai: pricing — the read model of PPV offers and unlocks (price, media kind, the fan's segment),
media kinds, tips, subscriptions by price, tracking-link clicks per day; the daily review's last
suggestion per scope (price.suggested only when it changes)

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
        CREATE TABLE pricing_offers (
            offer_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid,
            price_cents bigint NOT NULL CHECK (price_cents > 0),
            currency varchar(3) NOT NULL,
            media_kind varchar(16) NOT NULL,
            segment varchar(64) NOT NULL,
            offered_at timestamptz NOT NULL,
            unlocked_at timestamptz
        );
        CREATE INDEX ix_pricing_offers_creator ON pricing_offers (creator_id, currency, offered_at DESC);
        CREATE INDEX ix_pricing_offers_fan ON pricing_offers (fan_id);
        CREATE TABLE pricing_media (
            media_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            kind varchar(16) NOT NULL
        );
        CREATE TABLE pricing_tips (
            transaction_id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            gross_cents bigint NOT NULL,
            currency varchar(3) NOT NULL,
            occurred_at timestamptz NOT NULL
        );
        CREATE INDEX ix_pricing_tips_creator ON pricing_tips (creator_id, currency, occurred_at);
        CREATE TABLE pricing_subscriptions (
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL,
            started_at timestamptz NOT NULL,
            price_cents bigint NOT NULL,
            currency varchar(3) NOT NULL,
            via_link boolean,
            started boolean NOT NULL DEFAULT false,
            renewals integer NOT NULL DEFAULT 0,
            expired boolean NOT NULL DEFAULT false,
            PRIMARY KEY (creator_id, fan_id, started_at)
        );
        CREATE INDEX ix_pricing_subscriptions_creator ON pricing_subscriptions (creator_id, currency, started_at);
        CREATE TABLE pricing_clicks (
            creator_id uuid NOT NULL,
            day date NOT NULL,
            clicks integer NOT NULL,
            PRIMARY KEY (creator_id, day)
        );
        CREATE TABLE pricing_reviews (
            creator_id uuid PRIMARY KEY,
            first_at timestamptz NOT NULL
        );
        CREATE TABLE pricing_suggestions (
            scope_key varchar(120) PRIMARY KEY,
            creator_id uuid NOT NULL,
            suggested_price_cents bigint NOT NULL,
            currency varchar(3) NOT NULL,
            suggested_at timestamptz NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE pricing_suggestions, pricing_reviews, pricing_clicks, pricing_subscriptions, pricing_tips, "
        "pricing_media, pricing_offers"
    )
