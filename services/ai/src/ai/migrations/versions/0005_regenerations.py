"""ai: drafts a person asked for again — a message may now have several generations (one automatic,
then each regeneration with the draft it supersedes and the person's instruction)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DO $$ DECLARE c text; BEGIN
            SELECT conname INTO c FROM pg_constraint WHERE conrelid = 'generations'::regclass AND contype = 'u';
            IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE generations DROP CONSTRAINT %I', c); END IF;
        END $$
        """
    )
    op.execute("ALTER TABLE generations ADD COLUMN supersedes uuid, ADD COLUMN instruction text")
    op.execute("CREATE UNIQUE INDEX uq_generations_first_draft ON generations (message_id) WHERE supersedes IS NULL")


def downgrade() -> None:
    op.execute("DELETE FROM generations WHERE supersedes IS NOT NULL")
    op.execute("DROP INDEX uq_generations_first_draft")
    op.execute("ALTER TABLE generations DROP COLUMN supersedes, DROP COLUMN instruction")
    op.execute("ALTER TABLE generations ADD CONSTRAINT generations_message_id_key UNIQUE (message_id)")
