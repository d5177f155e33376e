"""Unanswered fans' storage in memory (:class:`inbox.unanswered.UnansweredRepository`), with the SQL
one's semantics: a wait starts once until answered, a claim marks what it returns, the priority
marks come from the whale fake."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from inbox.unanswered import Wait
from inbox.whales import Priority, Shift


@dataclass
class WaitRow:
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    waits: int
    since: datetime
    answered_at: datetime | None = None
    alerted_at: datetime | None = None


class FakeUnanswered:
    shift_rows: dict[tuple[uuid.UUID, uuid.UUID], Shift]
    priority_rows: dict[uuid.UUID, Priority]

    @property
    def wait_rows(self) -> dict[uuid.UUID, WaitRow]:
        """Conversation → its wait (made on first use: the other fakes' __init__ do not chain)."""
        return self.__dict__.setdefault("_wait_rows", {})  # type: ignore[no-any-return]

    @property
    def last_alerts(self) -> dict[uuid.UUID, datetime | None]:
        return self.__dict__.setdefault("_last_alerts", {})  # type: ignore[no-any-return]

    async def start_wait(
        self, creator_id: uuid.UUID, conversation_id: uuid.UUID, fan_id: uuid.UUID, since: datetime
    ) -> bool:
        old = self.wait_rows.get(conversation_id)
        if old is not None and old.answered_at is None:
            return False
        self.wait_rows[conversation_id] = WaitRow(creator_id, fan_id, (old.waits if old else 0) + 1, since)
        return True

    async def end_wait(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        row = self.wait_rows.get(conversation_id)
        if row is None or row.answered_at is not None:
            return False
        row.answered_at = at
        return True

    async def claim_alert_slot(self, creator_id: uuid.UUID) -> datetime | None:
        return self.last_alerts.setdefault(creator_id, None)

    def _due(self, creator_id: uuid.UUID, cutoff: datetime) -> list[tuple[uuid.UUID, WaitRow]]:
        return [
            (c, r)
            for c, r in self.wait_rows.items()
            if r.creator_id == creator_id and r.answered_at is None and r.alerted_at is None and r.since <= cutoff
        ]

    async def claim_overdue(self, creator_id: uuid.UUID, cutoff: datetime, at: datetime) -> list[Wait]:
        waits = []
        for conversation_id, row in self._due(creator_id, cutoff):
            row.alerted_at = at
            mark = self.priority_rows.get(conversation_id)
            active = mark is not None and mark.active
            waits.append(Wait(conversation_id, row.fan_id, row.since, active, mark.assigned_user_id if mark and active else None))
        return sorted(waits, key=lambda w: (w.since, str(w.conversation_id)))

    async def any_overdue(self, creator_id: uuid.UUID, cutoff: datetime) -> bool:
        return bool(self._due(creator_id, cutoff))

    async def alerted(self, creator_id: uuid.UUID, at: datetime) -> None:
        self.last_alerts[creator_id] = at

    async def next_shift_start(self, creator_id: uuid.UUID, after: datetime) -> datetime | None:
        starts = [
            s.starts_at
            for s in self.shift_rows.values()
            if s.creator_id == creator_id and s.cancelled_at is None and s.starts_at > after
        ]
        return min(starts, default=None)
