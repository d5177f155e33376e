"""marketing: its read model of the media vault (media.uploaded, media.updated) — each media id's
owner, latest revision and deletion, so a post naming another creator's or a deleted medium is refused
(the table is the chassis': huntaze_service.vault_media)

Revision ID: 0004
Revises: 0003
"""

from huntaze_service.migrations import create_vault_media_table, drop_vault_media_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_vault_media_table()


def downgrade() -> None:
    drop_vault_media_table()
