"""ai: anomaly alerts — revenue per UTC hour and currency, tracking-link visitors and conversions per
day, each creator's last checked hour and day, and the alerts (one per episode)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE anomaly_revenue_hours (
            creator_id uuid NOT NULL,
            currency varchar(3) NOT NULL,
            hour_start timestamptz NOT NULL,
            sales integer NOT NULL,
            net_cents bigint NOT NULL,
            PRIMARY KEY (creator_id, currency, hour_start)
        );
        CREATE TABLE anomaly_link_days (
            creator_id uuid NOT NULL,
            link_id uuid NOT NULL,
            day date NOT NULL,
            clicks integer NOT NULL,
            conversions integer NOT NULL,
            PRIMARY KEY (creator_id, link_id, day)
        );
        CREATE INDEX ix_anomaly_link_days_day ON anomaly_link_days (creator_id, day);
        CREATE TABLE anomaly_checks (
            creator_id uuid PRIMARY KEY,
            started_at timestamptz NOT NULL,
            last_hour timestamptz,
            last_day date
        );
        CREATE TABLE anomalies (
            anomaly_id uuid PRIMARY KEY,
            anomaly_key varchar(160) NOT NULL UNIQUE,
            creator_id uuid NOT NULL,
            kind varchar(32) NOT NULL,
            subject varchar(64) NOT NULL,
            window_start timestamptz NOT NULL,
            window_end timestamptz NOT NULL,
            observed bigint NOT NULL,
            expected bigint NOT NULL,
            low bigint NOT NULL,
            high bigint NOT NULL,
            score double precision NOT NULL,
            evidence jsonb NOT NULL,
            detected_at timestamptz NOT NULL
        );
        CREATE INDEX ix_anomalies_creator ON anomalies (creator_id, detected_at DESC);
        CREATE INDEX ix_anomalies_episode ON anomalies (creator_id, kind, subject, window_end);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE anomalies, anomaly_checks, anomaly_link_days, anomaly_revenue_hours")
