"""A creator's own restricted words on PostgreSQL (the check itself: :mod:`inbox.guardrails`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from huntaze_service.db import Transaction


class RestrictedWords:
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def restricted_words(self, creator_id: uuid.UUID) -> list[str]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute("SELECT words FROM restricted_words WHERE creator_id = %s", (creator_id,))
            row = await cursor.fetchone()
        return [] if row is None else list(row[0])

    async def set_restricted_words(self, creator_id: uuid.UUID, words: list[str], now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "INSERT INTO restricted_words (creator_id, words, updated_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (creator_id) DO UPDATE SET words = EXCLUDED.words, updated_at = EXCLUDED.updated_at",
                (creator_id, words, now),
            )
