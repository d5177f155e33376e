"""Whale routing on PostgreSQL (:mod:`inbox.whales`): the ``shifts`` read model, the priority marks
(``conversation_priorities``, deleted with their conversation by the fan's erasure: ON DELETE
CASCADE), and the sales and buy rates read from the inbox's own ``offers``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, column, select, table, text

from ..whales import Priority, Rate, Shift, Sold
from .sql_rows import SqlRows


def active_priorities(creator_id: uuid.UUID) -> Select[Any]:
    """The creator's conversations priority now (the list's ``priority=true`` filter)."""
    return (
        select(column("conversation_id"))
        .select_from(table("conversation_priorities"))
        .where(column("creator_id") == creator_id, text("active"))
    )


_PRIORITY_COLUMNS = (
    "conversation_id, creator_id, fan_id, active, episode, reason, assigned_user_id, shift_id, matched_by, "
    "since, message_id, answered_at"
)
# a cancellation sticks: a scheduled event arriving after it changes nothing
_SAVE_SHIFT = (
    "INSERT INTO shifts (creator_id, shift_id, user_id, starts_at, ends_at, cancelled_at) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (creator_id, shift_id) DO UPDATE "
    "SET cancelled_at = COALESCE(shifts.cancelled_at, EXCLUDED.cancelled_at) WHERE EXCLUDED.cancelled_at IS NOT NULL"
)
# claimed when there is no mark yet or the last one was answered; a repeat (still active) writes nothing
_CLAIM = (
    f"INSERT INTO conversation_priorities ({_PRIORITY_COLUMNS}) VALUES (%s, %s, %s, true, %s, %s, %s, %s, %s, %s, %s, "
    "NULL) ON CONFLICT (conversation_id) DO UPDATE SET active = true, episode = conversation_priorities.episode + 1, "
    "reason = EXCLUDED.reason, assigned_user_id = EXCLUDED.assigned_user_id, shift_id = EXCLUDED.shift_id, "
    "matched_by = EXCLUDED.matched_by, since = EXCLUDED.since, message_id = EXCLUDED.message_id, answered_at = NULL "
    "WHERE NOT conversation_priorities.active RETURNING episode"
)


def _priority(r: Sequence[Any]) -> Priority:
    return Priority(*r)


class Whales(SqlRows):
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    async def save_shift(self, shift: Shift) -> None:
        s = shift
        await self._rows(
            _SAVE_SHIFT, (s.creator_id, s.shift_id, s.user_id, s.starts_at, s.ends_at, s.cancelled_at)
        )

    async def shifts_on_duty(self, creator_id: uuid.UUID, now: datetime) -> list[Shift]:
        rows = await self._rows(
            "SELECT creator_id, shift_id, user_id, starts_at, ends_at, cancelled_at FROM shifts "
            "WHERE creator_id = %s AND cancelled_at IS NULL AND starts_at <= %s AND ends_at > %s",
            (creator_id, now, now),
        )
        return [Shift(*r) for r in rows]

    async def sales_to_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> list[Sold]:
        rows = await self._rows(
            "SELECT created_by, sum(net_cents), max(unlocked_at) FROM offers WHERE creator_id = %s AND fan_id = %s "
            "AND created_by = ANY(%s) AND unlocked_at IS NOT NULL GROUP BY created_by",
            (creator_id, fan_id, list(user_ids)),
        )
        return [Sold(r[0], int(r[1]), r[2]) for r in rows]

    async def buy_rates(self, creator_id: uuid.UUID, user_ids: Sequence[uuid.UUID], since: datetime) -> list[Rate]:
        rows = await self._rows(
            "SELECT created_by, count(*), count(*) FILTER (WHERE unlocked_at IS NOT NULL) FROM offers "
            "WHERE creator_id = %s AND created_by = ANY(%s) AND mass_message_id IS NULL AND sent_at >= %s "
            "GROUP BY created_by",
            (creator_id, list(user_ids), since),
        )
        return [Rate(r[0], int(r[1]), int(r[2])) for r in rows]

    async def priority(self, conversation_id: uuid.UUID) -> Priority | None:
        rows = await self._rows(
            f"SELECT {_PRIORITY_COLUMNS} FROM conversation_priorities WHERE conversation_id = %s", (conversation_id,)
        )
        return _priority(rows[0]) if rows else None

    async def claim_priority(self, priority: Priority) -> bool:
        p = priority
        rows = await self._rows(
            _CLAIM,
            (p.conversation_id, p.creator_id, p.fan_id, p.episode, p.reason, p.assigned_user_id, p.shift_id,
             p.matched_by, p.since, p.message_id),
        )  # fmt: skip
        return bool(rows)

    async def answer_priority(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        rows = await self._rows(
            "UPDATE conversation_priorities SET active = false, answered_at = %s "
            "WHERE conversation_id = %s AND active RETURNING conversation_id",
            (at, conversation_id),
        )
        return bool(rows)

    async def priorities(
        self, creator_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Priority]:
        rows = await self._rows(
            f"SELECT {_PRIORITY_COLUMNS} FROM conversation_priorities WHERE creator_id = %s AND conversation_id = ANY(%s)",
            (creator_id, list(conversation_ids)),
        )
        return {r[0]: _priority(r) for r in rows}
