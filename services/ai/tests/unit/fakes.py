"""An in-memory AiRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from ai.domain import Generation, Line, Persona
from huntaze_service.tombstones import ErasedFan


class FakeAiRepository:
    def __init__(self) -> None:
        self.lines: dict[uuid.UUID, Line] = {}
        self.personas: dict[uuid.UUID, Persona] = {}
        self.generations: dict[uuid.UUID, Generation] = {}
        self.erased_fans: dict[uuid.UUID, ErasedFan] = {}
        self.applications: dict[uuid.UUID, int] = {}
        self.scrubbed_outbox_keys: list[str] = []

    async def add_lines(self, lines: Sequence[Line]) -> None:
        for line in lines:
            self.lines.setdefault(line.id, line)

    async def recent_lines(self, creator_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> list[Line]:
        mine = [x for x in self.lines.values() if x.conversation_id == conversation_id and x.creator_id == creator_id]
        mine.sort(key=lambda x: (x.at, x.id))
        return mine[-limit:]

    async def persona(self, creator_id: uuid.UUID) -> Persona | None:
        return self.personas.get(creator_id)

    async def save_persona(self, creator_id: uuid.UUID, persona: Persona, now: datetime) -> None:
        self.personas[creator_id] = persona

    async def add_generation(self, generation: Generation) -> bool:
        if generation.message_id in self.generations:
            return False
        self.generations[generation.message_id] = generation
        return True

    # erasure ----------------------------------------------------------------------------------------
    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {f for f in fan_ids if f in self.erased_fans}

    def _conversations(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> set[uuid.UUID]:
        rows = [*self.lines.values(), *self.generations.values()]
        return {r.conversation_id for r in rows if r.creator_id == creator_id and r.fan_id == fan_id}

    def _of_fan(self, row: Line | Generation, creator_id: uuid.UUID, fan_id: uuid.UUID, conversations: set) -> bool:
        return row.creator_id == creator_id and (row.fan_id == fan_id or row.conversation_id in conversations)

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        self.erased_fans.setdefault(erased.fan_id, erased)
        self.applications[erased.fan_id] = self.applications.get(erased.fan_id, 0) + 1
        conversations = self._conversations(erased.creator_id, erased.fan_id)
        mine = lambda r: self._of_fan(r, erased.creator_id, erased.fan_id, conversations)  # noqa: E731
        self.lines = {k: x for k, x in self.lines.items() if not mine(x)}
        self.generations = {k: g for k, g in self.generations.items() if not mine(g)}
        self.scrubbed_outbox_keys += sorted(str(c) for c in conversations)

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        found = self.erased_fans.get(fan_id)
        return found if found is not None and found.creator_id == creator_id else None

    async def fan_history(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[list[Line], list[Generation]]:
        conversations = self._conversations(creator_id, fan_id)
        lines = [x for x in self.lines.values() if self._of_fan(x, creator_id, fan_id, conversations)]
        generations = [g for g in self.generations.values() if self._of_fan(g, creator_id, fan_id, conversations)]
        lines.sort(key=lambda x: (x.conversation_id, x.at, x.id))
        generations.sort(key=lambda g: (g.created_at, g.draft_id))
        return lines, generations
