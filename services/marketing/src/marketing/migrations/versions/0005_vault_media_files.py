"""marketing: its read model of the media vault keeps each medium's file — its key in the vault's bucket,
its type and size, from media.uploaded (huntaze_service.vault_media, version 2), read when a post
with vault media is published

Revision ID: 0005
Revises: 0004
"""

from huntaze_service.migrations import add_vault_media_file_columns, drop_vault_media_file_columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_vault_media_file_columns()


def downgrade() -> None:
    drop_vault_media_file_columns()
