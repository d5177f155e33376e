"""Erasing a fan on PostgreSQL (what and why: :mod:`inbox.erasure`).

Locks are taken in the order the other writers take them — the fan's offers, their drafts, then
their conversations — so an approval or a send in flight finishes first and is erased with the rest, and
the deletes that follow (each statement sees what committed before it) miss nothing."""

from __future__ import annotations

import uuid
from datetime import datetime

from huntaze_service import tombstones
from huntaze_service.db import Transaction
from huntaze_service.tombstones import ErasedFan

from ..domain import Conversation

_LOCK_OFFERS = "SELECT id FROM offers WHERE creator_id = %s AND fan_id = %s ORDER BY id FOR UPDATE"
_LOCK_DRAFTS = """
SELECT d.id FROM drafts d JOIN conversations c ON c.id = d.conversation_id
WHERE c.creator_id = %s AND c.fan_id = %s ORDER BY d.id FOR UPDATE OF d
"""
_LOCK_CONVERSATIONS = "SELECT id FROM conversations WHERE creator_id = %s AND fan_id = %s ORDER BY id FOR UPDATE"
_CONVERSATION_COLUMNS = (
    "id, creator_id, fan_id, fan_external_id, fan_display_name, created_at, last_message_at, message_count"
)


class Erasure:
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await tombstones.record_tombstone(cursor, erased, now, lock=False)
            await cursor.execute(_LOCK_OFFERS, (erased.creator_id, erased.fan_id))
            await cursor.execute(_LOCK_DRAFTS, (erased.creator_id, erased.fan_id))
            await cursor.execute(_LOCK_CONVERSATIONS, (erased.creator_id, erased.fan_id))
            ids = [row[0] for row in await cursor.fetchall()]
            # the mass-message audience and deliveries: the deliveries stay counted, anonymous
            await cursor.execute("DELETE FROM audience_fans WHERE fan_id = %s", (erased.fan_id,))
            await cursor.execute(
                "UPDATE mass_deliveries SET external_id = 'erased', display_name = 'erased', status = CASE "
                "WHEN status = 'pending' THEN 'skipped' ELSE status END, reason = CASE WHEN status = 'pending' "
                "THEN 'fan_erased' ELSE reason END WHERE fan_id = %s",
                (erased.fan_id,),
            )
            # automations: the runs stay (they count against the caps), without the fan's name and id
            await cursor.execute(
                "UPDATE automation_runs SET context = '{}', status = CASE WHEN status = 'pending' THEN 'skipped' "
                "ELSE status END, reason = CASE WHEN status = 'pending' THEN 'fan_erased' ELSE reason END "
                "WHERE creator_id = %s AND fan_id = %s",
                (erased.creator_id, erased.fan_id),
            )
            if not ids:
                return
            await cursor.execute("DELETE FROM offers WHERE conversation_id = ANY(%s)", (ids,))
            await cursor.execute("DELETE FROM drafts WHERE conversation_id = ANY(%s)", (ids,))
            await cursor.execute("DELETE FROM withheld_replies WHERE conversation_id = ANY(%s)", (ids,))
            await cursor.execute("DELETE FROM messages WHERE conversation_id = ANY(%s)", (ids,))
            await cursor.execute("DELETE FROM conversations WHERE id = ANY(%s)", (ids,))
            # what the relay already published about these conversations (Kafka keeps its copies
            # until the topics' retention); rows not yet published go out as they are
            await cursor.execute(
                "DELETE FROM outbox WHERE published_at IS NOT NULL AND key = ANY(%s)", ([str(i) for i in ids],)
            )

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.tombstone(cursor, creator_id, fan_id)

    async def fan_conversations(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Conversation]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE creator_id = %s AND fan_id = %s "
                "ORDER BY created_at, id",
                (creator_id, fan_id),
            )
            return [Conversation(*row) for row in await cursor.fetchall()]
