"""An in-memory AiRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from ai.domain import Generation, Line, Persona


class FakeAiRepository:
    def __init__(self) -> None:
        self.lines: dict[uuid.UUID, Line] = {}
        self.personas: dict[uuid.UUID, Persona] = {}
        self.generations: dict[uuid.UUID, Generation] = {}

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
