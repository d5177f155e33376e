"""fans: revenue and the CRM: transactions, spend, subscriptions, notes, tags, preferences,
segments (built-in and custom), statement imports, creator settings

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
        CREATE TABLE creator_settings (
            creator_id uuid PRIMARY KEY,
            currency char(3) NOT NULL DEFAULT 'USD',
            timezone text NOT NULL DEFAULT 'UTC',
            whale_threshold_cents bigint NOT NULL DEFAULT 50000 CHECK (whale_threshold_cents > 0),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        ALTER TABLE fans
            ADD COLUMN gross_cents bigint NOT NULL DEFAULT 0,
            ADD COLUMN net_cents bigint NOT NULL DEFAULT 0,
            ADD COLUMN purchases integer NOT NULL DEFAULT 0,
            ADD COLUMN first_purchase_at timestamptz,
            ADD COLUMN last_purchase_at timestamptz,
            ADD COLUMN last_active_at timestamptz,
            ADD COLUMN sub_status text NOT NULL DEFAULT 'none' CHECK (sub_status IN ('none', 'active', 'expired')),
            ADD COLUMN sub_started_at timestamptz,
            ADD COLUMN sub_first_started_at timestamptz,
            ADD COLUMN sub_expires_at timestamptz,
            ADD COLUMN sub_expired_at timestamptz,
            ADD COLUMN sub_auto_renew boolean,
            ADD COLUMN sub_price_cents bigint,
            ADD COLUMN sub_currency char(3),
            ADD COLUMN sub_via jsonb,
            ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
            ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}',
            ADD COLUMN segments text[] NOT NULL DEFAULT '{}';
        UPDATE fans SET last_active_at = last_message_at;
        CREATE INDEX ix_fans_creator_spend ON fans (creator_id, net_cents, id);
        CREATE INDEX ix_fans_creator_active ON fans (creator_id, last_active_at, id);
        CREATE INDEX ix_fans_creator_expires ON fans (creator_id, sub_expires_at, id);
        CREATE INDEX ix_fans_tags ON fans USING gin (tags);
        CREATE INDEX ix_fans_segments ON fans USING gin (segments);

        CREATE TABLE fan_spend (
            fan_id uuid NOT NULL REFERENCES fans (id) ON DELETE CASCADE,
            type text NOT NULL,
            currency char(3) NOT NULL,
            gross_cents bigint NOT NULL,
            fee_cents bigint NOT NULL,
            net_cents bigint NOT NULL,
            count integer NOT NULL,
            PRIMARY KEY (fan_id, type, currency)
        );

        CREATE TABLE transactions (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL REFERENCES fans (id) ON DELETE CASCADE,
            type text NOT NULL,
            gross_cents bigint NOT NULL,
            fee_cents bigint NOT NULL,
            net_cents bigint NOT NULL CHECK (gross_cents - fee_cents = net_cents),
            currency char(3) NOT NULL,
            occurred_at timestamptz NOT NULL,
            source text NOT NULL CHECK (source IN ('connector', 'statement')),
            external_id text,
            ref_kind text,
            ref_id text,
            match_key text NOT NULL,
            match_n integer NOT NULL,
            import_id uuid,
            line_no integer,
            recorded_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX uq_transactions_external ON transactions (creator_id, external_id)
            WHERE external_id IS NOT NULL;
        CREATE UNIQUE INDEX uq_transactions_match ON transactions (creator_id, match_key, match_n);
        CREATE INDEX ix_transactions_fan ON transactions (fan_id, occurred_at DESC, id);

        CREATE TABLE fan_notes (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            fan_id uuid NOT NULL REFERENCES fans (id) ON DELETE CASCADE,
            author_id uuid,
            text text NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX ix_fan_notes_fan ON fan_notes (fan_id, created_at DESC);

        CREATE TABLE custom_segments (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            name text NOT NULL,
            filter jsonb NOT NULL,
            created_by uuid,
            created_at timestamptz NOT NULL,
            CONSTRAINT uq_custom_segments_name UNIQUE (creator_id, name)
        );

        CREATE TABLE statement_imports (
            id uuid PRIMARY KEY,
            creator_id uuid NOT NULL,
            filename text,
            timezone text NOT NULL,
            currency char(3) NOT NULL,
            status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            rows_total integer NOT NULL DEFAULT 0,
            rows_processed integer NOT NULL DEFAULT 0,
            imported integer NOT NULL DEFAULT 0,
            duplicate integer NOT NULL DEFAULT 0,
            rejected integer NOT NULL DEFAULT 0,
            error text,
            created_by uuid,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            finished_at timestamptz
        );
        CREATE INDEX ix_statement_imports_creator ON statement_imports (creator_id, created_at DESC);

        -- parsed rows waiting to be applied, oldest sale first; deleted as they are applied
        CREATE TABLE statement_rows (
            import_id uuid NOT NULL REFERENCES statement_imports (id) ON DELETE CASCADE,
            seq integer NOT NULL,
            line_no integer NOT NULL,
            type text NOT NULL,
            fan_external_id text NOT NULL,
            fan_display_name text NOT NULL,
            gross_cents bigint NOT NULL,
            fee_cents bigint NOT NULL,
            net_cents bigint NOT NULL,
            occurred_at timestamptz NOT NULL,
            match_n integer,
            PRIMARY KEY (import_id, seq)
        );

        CREATE TABLE statement_rejections (
            import_id uuid NOT NULL REFERENCES statement_imports (id) ON DELETE CASCADE,
            line_no integer NOT NULL,
            reason text NOT NULL,
            PRIMARY KEY (import_id, line_no)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE statement_rejections, statement_rows, statement_imports, custom_segments, fan_notes,
            transactions, fan_spend, creator_settings;
        DROP INDEX ix_fans_creator_spend, ix_fans_creator_active, ix_fans_creator_expires, ix_fans_tags,
            ix_fans_segments;
        ALTER TABLE fans
            DROP COLUMN gross_cents, DROP COLUMN net_cents, DROP COLUMN purchases, DROP COLUMN first_purchase_at,
            DROP COLUMN last_purchase_at, DROP COLUMN last_active_at, DROP COLUMN sub_status,
            DROP COLUMN sub_started_at, DROP COLUMN sub_first_started_at, DROP COLUMN sub_expires_at,
            DROP COLUMN sub_expired_at, DROP COLUMN sub_auto_renew, DROP COLUMN sub_price_cents,
            DROP COLUMN sub_currency, DROP COLUMN sub_via, DROP COLUMN tags, DROP COLUMN preferences,
            DROP COLUMN segments;
        """
    )
