"""An in-memory BillingRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid

from billing.domain import FanSeen, Note


class FakeBillingRepository:
    def __init__(self) -> None:
        self.notes: dict[uuid.UUID, Note] = {}
        self.fans: dict[tuple[uuid.UUID, uuid.UUID], FanSeen] = {}

    async def add_note(self, note: Note) -> None:
        self.notes[note.id] = note

    async def get_note(self, creator_id: uuid.UUID, note_id: uuid.UUID) -> Note | None:
        note = self.notes.get(note_id)
        return note if note is not None and note.creator_id == creator_id else None

    async def upsert_fan_seen(self, fan: FanSeen) -> None:
        stored = self.fans.get((fan.creator_id, fan.fan_id))
        if stored is None or stored.updated_at <= fan.updated_at:
            self.fans[(fan.creator_id, fan.fan_id)] = fan

    async def list_fans_seen(self, creator_id: uuid.UUID, *, limit: int) -> list[FanSeen]:
        found = [f for f in self.fans.values() if f.creator_id == creator_id]
        found.sort(key=lambda f: (f.updated_at, f.fan_id), reverse=True)
        return found[:limit]
