"""content: the media vault: uploads, media and bundles, and the plans (scheduled posts and mass
messages) that keep media in use (issue 13)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE media_uploads (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            filename varchar(255) NOT NULL,
            declared_type varchar(100) NOT NULL,
            size_bytes bigint NOT NULL CHECK (size_bytes > 0),
            part_bytes bigint CHECK (part_bytes > 0),
            multipart_id text,
            status varchar(12) NOT NULL CHECK (status IN ('pending', 'checking', 'completed', 'refused', 'expired')),
            media_id uuid,
            duplicate boolean NOT NULL DEFAULT false,
            refusal_code varchar(40),
            refusal varchar(300),
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            completed_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_media_uploads_creator ON media_uploads (creator_id, created_at)")
    op.execute(
        """
        CREATE TABLE media (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            kind varchar(8) NOT NULL CHECK (kind IN ('photo', 'video', 'bundle')),
            title varchar(200) NOT NULL,
            tags text[] NOT NULL DEFAULT '{}',
            content_type varchar(100),
            size_bytes bigint CHECK (size_bytes > 0),
            sha256 char(64),
            object_key text,
            thumb_key text,
            filename varchar(255),
            suggested_price_cents bigint CHECK (suggested_price_cents > 0),
            currency char(3),
            revision integer NOT NULL CHECK (revision >= 1),
            upload_id uuid,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            deleted_at timestamptz,
            CHECK ((suggested_price_cents IS NULL) = (currency IS NULL)),
            CHECK ((kind = 'bundle') = (sha256 IS NULL))
        )
        """
    )
    # the same bytes are one live item per creator (a deleted one may come back as a new item)
    op.execute("CREATE UNIQUE INDEX uq_media_sha256 ON media (creator_id, sha256) WHERE deleted_at IS NULL")
    op.execute("CREATE INDEX ix_media_page ON media (creator_id, created_at DESC, id DESC) WHERE deleted_at IS NULL")
    op.execute("CREATE INDEX ix_media_tags ON media USING gin (tags) WHERE deleted_at IS NULL")
    op.execute(
        """
        CREATE TABLE media_bundle_items (
            bundle_id uuid NOT NULL REFERENCES media (id),
            media_id uuid NOT NULL REFERENCES media (id),
            position smallint NOT NULL,
            PRIMARY KEY (bundle_id, media_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_media_bundle_items_media ON media_bundle_items (media_id)")
    op.execute(
        """
        CREATE TABLE media_plans (
            plan_kind varchar(12) NOT NULL CHECK (plan_kind IN ('post', 'massmessage')),
            plan_id uuid NOT NULL,
            creator_id uuid NOT NULL,
            revision integer NOT NULL,
            status varchar(12) NOT NULL
                CHECK (status IN ('scheduled', 'cancelled', 'published', 'failed', 'sent')),
            media_ids uuid[] NOT NULL,
            PRIMARY KEY (plan_kind, plan_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_media_plans_scheduled ON media_plans USING gin (media_ids) WHERE status = 'scheduled'")


def downgrade() -> None:
    op.execute("DROP TABLE media_plans")
    op.execute("DROP TABLE media_bundle_items")
    op.execute("DROP TABLE media")
    op.execute("DROP TABLE media_uploads")
