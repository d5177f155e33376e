"""Alembic, one migration history per service, run with the service's own database URL.

A service's ``migrations/env.py`` is two lines (``from huntaze_service.migrations import run_env;
run_env()``); its first revision calls :func:`create_chassis_tables` for the outbox and the
idempotency record.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import create_engine, pool, text

from .timers.store import DDL as TIMERS_DDL
from .vault_media import DDL as VAULT_MEDIA_DDL
from .vault_media import DDL_V2 as VAULT_MEDIA_DDL_V2


def alembic_config(database_url: str, migrations_dir: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.set_main_option("version_path_separator", "os")
    return cfg


MIGRATION_LOCK = 0x6D6967726174  # "migrat": the advisory lock key every service's migrations take


def upgrade(database_url: str, migrations_dir: Path, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, migrations_dir), revision)


def downgrade(database_url: str, migrations_dir: Path, revision: str) -> None:
    command.downgrade(alembic_config(database_url, migrations_dir), revision)


def revision(database_url: str, migrations_dir: Path, message: str) -> None:
    command.revision(alembic_config(database_url, migrations_dir), message=message)


def run_env() -> None:
    """Body of every service's ``migrations/env.py`` (online mode, synchronous psycopg)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)  # type: ignore[arg-type]
    with engine.connect() as connection:
        # One migrator at a time (every pod's init container runs `migrate`): the others wait
        # here, then find the database at head. Session-level: held until the connection closes.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


CHASSIS_DDL = (
    """
    CREATE TABLE outbox (
        id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id     UUID        NOT NULL UNIQUE,
        event_type   TEXT        NOT NULL,
        topic        TEXT        NOT NULL,
        key          TEXT        NOT NULL,
        value        BYTEA       NOT NULL,
        headers      BYTEA       NOT NULL,
        created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        published_at TIMESTAMPTZ
    )
    """,
    "CREATE INDEX ix_outbox_unpublished ON outbox (id) WHERE published_at IS NULL",
    # Wakes the relays when a transaction that wrote events commits (NOTIFY is delivered at
    # commit, once per transaction) — no extra round trip for the writer.
    """
    CREATE OR REPLACE FUNCTION huntaze_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('huntaze_outbox', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION huntaze_outbox_notify()
    """,
    """
    CREATE TABLE processed_events (
        consumer     TEXT        NOT NULL,
        event_id     UUID        NOT NULL,
        processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )
    """,
)
"""Chassis schema v1: the outbox and the processed-events record. Never edit: add a version."""

CHASSIS_DDL_V2 = TIMERS_DDL
"""Chassis schema v2: durable timers and external calls (the ``timers`` table)."""

CHASSIS_SCHEMA = (*CHASSIS_DDL, *CHASSIS_DDL_V2)
"""Every chassis table as of now, for databases created outside Alembic (tests, faultbox)."""


def create_chassis_tables() -> None:
    """Chassis schema v1 (the first migration of the first four services calls this)."""
    for statement in CHASSIS_DDL:
        op.execute(statement)


def create_chassis_tables_v2() -> None:
    """Chassis schema v2: the timers table (a later migration of each service calls this)."""
    for statement in CHASSIS_DDL_V2:
        op.execute(statement)


def drop_chassis_tables_v2() -> None:
    op.execute("DROP TABLE IF EXISTS timers")
    op.execute("DROP FUNCTION IF EXISTS huntaze_timers_notify()")


def create_vault_media_table() -> None:
    """The ``vault_media`` read model of a service that checks the media ids its requests name
    (:mod:`huntaze_service.vault_media`; marketing's 0004, the inbox's 0014)."""
    for statement in VAULT_MEDIA_DDL:
        op.execute(statement)


def drop_vault_media_table() -> None:
    op.execute("DROP TABLE IF EXISTS vault_media")


def add_vault_media_file_columns() -> None:
    """The ``vault_media`` read model's version 2: each medium's file (key, type, size), from
    ``media.uploaded`` (marketing's 0005, the inbox's 0015)."""
    for statement in VAULT_MEDIA_DDL_V2:
        op.execute(statement)


def drop_vault_media_file_columns() -> None:
    for column in ("object_key", "content_type", "size_bytes"):
        op.execute(f"ALTER TABLE vault_media DROP COLUMN IF EXISTS {column}")


def drop_chassis_tables() -> None:
    op.execute("DROP TABLE IF EXISTS processed_events")
    op.execute("DROP TABLE IF EXISTS outbox")
    op.execute("DROP FUNCTION IF EXISTS huntaze_outbox_notify()")
