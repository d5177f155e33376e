"""inbox: its read model of the media vault keeps each medium's file — its key in the vault's bucket,
its type and size, from media.uploaded (huntaze_service.vault_media, version 2); the inbox does not
use them (marketing publishes the files), the table is the chassis's

Revision ID: 0015
Revises: 0014
"""

from huntaze_service.migrations import add_vault_media_file_columns, drop_vault_media_file_columns

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_vault_media_file_columns()


def downgrade() -> None:
    drop_vault_media_file_columns()
