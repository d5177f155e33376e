"""The calendar commands marketing answered (``calendar_commands``): one row per command, written in
the transaction that answers it, so a redelivered command is answered once."""

from __future__ import annotations

import uuid
from datetime import datetime

from .sql import Sql


class SqlCommands(Sql):
    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, post_id: uuid.UUID | None, at: datetime
    ) -> bool:
        rows = await self._rows(
            "INSERT INTO calendar_commands (creator_id, command_id, post_id, answered_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING command_id",
            (creator_id, command_id, post_id, at),
        )
        return bool(rows)
