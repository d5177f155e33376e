"""analytics: the media ROI read models — the vault's descriptions, each offer's media and unlock,
the reversals that name an offer, and the fans' segment history (segments at offer time)

Each offer's fan, price, currency, time and unlock time are already in ``chatter_offers`` (0003) and
every amount in ``transactions`` (0001): these tables hold only what those lack.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE media_items (
        creator_id uuid NOT NULL,
        media_id uuid NOT NULL,
        kind varchar(16) NOT NULL,
        title varchar(200) NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        deleted boolean NOT NULL DEFAULT false,
        revision integer NOT NULL CHECK (revision >= 0),
        PRIMARY KEY (creator_id, media_id)
    )
    """,
    """
    CREATE TABLE media_offers (
        offer_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        media_ids uuid[] NOT NULL CHECK (cardinality(media_ids) >= 1),
        unlock_transaction_id uuid
    )
    """,
    """
    CREATE TABLE media_offer_reversals (
        transaction_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        offer_id uuid NOT NULL
    )
    """,
    "CREATE INDEX ix_media_offer_reversals_offer ON media_offer_reversals (offer_id)",
    """
    CREATE TABLE fan_segment_changes (
        creator_id uuid NOT NULL,
        fan_id uuid NOT NULL,
        segment varchar(64) NOT NULL,
        at timestamptz NOT NULL,
        change varchar(8) NOT NULL CHECK (change IN ('entered', 'left')),
        PRIMARY KEY (creator_id, fan_id, segment, at, change)
    )
    """,
    """
    CREATE TABLE fan_segment_names (
        creator_id uuid NOT NULL,
        segment varchar(64) NOT NULL,
        name varchar(100) NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (creator_id, segment)
    )
    """,
    """
    CREATE TABLE media_offer_segments (
        offer_id uuid NOT NULL,
        segment varchar(64) NOT NULL,
        PRIMARY KEY (offer_id, segment)
    )
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "media_offer_segments",
        "fan_segment_names",
        "fan_segment_changes",
        "media_offer_reversals",
        "media_offers",
        "media_items",
    ):
        op.execute(f"DROP TABLE {table}")
