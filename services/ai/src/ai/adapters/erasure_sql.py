"""Erasing a fan on PostgreSQL, and the per-fan lock writers take (what and why: :mod:`ai.erasure`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_service import tombstones
from huntaze_service.db import Transaction
from huntaze_service.tombstones import ErasedFan

from ..domain import Generation, Line, Speaker

# the fan's conversations: those a line or a generation of the fan names
_CONVERSATIONS = """
SELECT conversation_id FROM conversation_lines WHERE creator_id = %(creator)s AND fan_id = %(fan)s
UNION SELECT conversation_id FROM generations WHERE creator_id = %(creator)s AND fan_id = %(fan)s
"""
_OF_FAN = "creator_id = %(creator)s AND (fan_id = %(fan)s OR conversation_id = ANY(%(conversations)s::uuid[]))"


class Erasure:
    """Mixed into the ai repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.erased_among(cursor, fan_ids)

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await tombstones.record_tombstone(cursor, erased, now)
            params = {"creator": erased.creator_id, "fan": erased.fan_id}
            await cursor.execute(_CONVERSATIONS, params)
            conversations = [row[0] for row in await cursor.fetchall()]
            params["conversations"] = conversations
            await cursor.execute(f"DELETE FROM conversation_lines WHERE {_OF_FAN}", params)
            await cursor.execute(f"DELETE FROM generations WHERE {_OF_FAN}", params)
            await cursor.execute("DELETE FROM fan_facts WHERE fan_id = %(fan)s", params)
            for table in ("idea_sales", "idea_unlocks", "idea_conversions"):  # what they bought still counts
                await cursor.execute(f"UPDATE {table} SET fan_id = NULL WHERE fan_id = %(fan)s", params)
            # the reply.drafted rows the relay already published (Kafka keeps its copies until retention)
            await cursor.execute(
                "DELETE FROM outbox WHERE published_at IS NOT NULL AND key = ANY(%s::text[])",
                ([str(c) for c in conversations],),
            )

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.tombstone(cursor, creator_id, fan_id)

    async def fan_history(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[list[Line], list[Generation]]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            params = {"creator": creator_id, "fan": fan_id}
            await cursor.execute(_CONVERSATIONS, params)
            params["conversations"] = [row[0] for row in await cursor.fetchall()]
            await cursor.execute(
                f"SELECT id, creator_id, conversation_id, speaker, text, at, fan_id FROM conversation_lines "
                f"WHERE {_OF_FAN} ORDER BY conversation_id, at, id",
                params,
            )
            lines = [Line(r[0], r[1], r[2], Speaker(r[3]), r[4], r[5], r[6]) for r in await cursor.fetchall()]
            await cursor.execute(
                f"SELECT draft_id, message_id, creator_id, conversation_id, provider, model, text, latency_ms, "
                f"created_at, fan_id FROM generations WHERE {_OF_FAN} ORDER BY created_at, draft_id",
                params,
            )
            generations = [Generation(*r) for r in await cursor.fetchall()]
        return lines, generations
