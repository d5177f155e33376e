"""Unanswered fans on PostgreSQL (:mod:`inbox.unanswered`): one ``unanswered_waits`` row per
conversation (its waits counted; deleted with the conversation by the fan's erasure: ON DELETE
CASCADE), and one ``unanswered_alerts`` row per creator account (the cool-down, and the lock that
makes two checks of one account run one after the other)."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..unanswered import Wait
from .sql_rows import SqlRows

# a wait starts when there is none or the last one was answered; a later message of a running wait writes nothing
_START = (
    "INSERT INTO unanswered_waits (conversation_id, creator_id, fan_id, waits, since) VALUES (%s, %s, %s, 1, %s) "
    "ON CONFLICT (conversation_id) DO UPDATE SET waits = unanswered_waits.waits + 1, since = EXCLUDED.since, "
    "answered_at = NULL, alerted_at = NULL WHERE unanswered_waits.answered_at IS NOT NULL RETURNING waits"
)
_CLAIM_OVERDUE = (
    "WITH due AS (SELECT conversation_id FROM unanswered_waits WHERE creator_id = %s AND answered_at IS NULL "
    "AND alerted_at IS NULL AND since <= %s ORDER BY conversation_id FOR UPDATE) "
    "UPDATE unanswered_waits w SET alerted_at = %s FROM due WHERE w.conversation_id = due.conversation_id "
    "RETURNING w.conversation_id, w.fan_id, w.since"
)


class Unanswered(SqlRows):
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    async def start_wait(
        self, creator_id: uuid.UUID, conversation_id: uuid.UUID, fan_id: uuid.UUID, since: datetime
    ) -> bool:
        return bool(await self._rows(_START, (conversation_id, creator_id, fan_id, since)))

    async def end_wait(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        rows = await self._rows(
            "UPDATE unanswered_waits SET answered_at = %s WHERE conversation_id = %s AND answered_at IS NULL "
            "RETURNING conversation_id",
            (at, conversation_id),
        )
        return bool(rows)

    async def claim_alert_slot(self, creator_id: uuid.UUID) -> datetime | None:
        rows = await self._rows(
            "INSERT INTO unanswered_alerts (creator_id) VALUES (%s) ON CONFLICT (creator_id) "
            "DO UPDATE SET creator_id = EXCLUDED.creator_id RETURNING last_alert_at",
            (creator_id,),
        )
        return rows[0][0] if rows else None

    async def claim_overdue(self, creator_id: uuid.UUID, cutoff: datetime, at: datetime) -> list[Wait]:
        claimed = await self._rows(_CLAIM_OVERDUE, (creator_id, cutoff, at))
        if not claimed:
            return []
        marks = await self._rows(
            "SELECT conversation_id, assigned_user_id FROM conversation_priorities "
            "WHERE conversation_id = ANY(%s) AND active",
            ([r[0] for r in claimed],),
        )
        priority = {r[0]: r[1] for r in marks}
        waits = [Wait(r[0], r[1], r[2], r[0] in priority, priority.get(r[0])) for r in claimed]
        return sorted(waits, key=lambda w: (w.since, str(w.conversation_id)))

    async def any_overdue(self, creator_id: uuid.UUID, cutoff: datetime) -> bool:
        rows = await self._rows(
            "SELECT 1 FROM unanswered_waits WHERE creator_id = %s AND answered_at IS NULL AND alerted_at IS NULL "
            "AND since <= %s LIMIT 1",
            (creator_id, cutoff),
        )
        return bool(rows)

    async def alerted(self, creator_id: uuid.UUID, at: datetime) -> None:
        await self._rows("UPDATE unanswered_alerts SET last_alert_at = %s WHERE creator_id = %s", (at, creator_id))

    async def next_shift_start(self, creator_id: uuid.UUID, after: datetime) -> datetime | None:
        rows = await self._rows(
            "SELECT min(starts_at) FROM shifts WHERE creator_id = %s AND cancelled_at IS NULL AND starts_at > %s",
            (creator_id, after),
        )
        return rows[0][0] if rows else None
