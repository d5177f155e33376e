"""What the ai use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .domain import Generation, Line, Persona


class AiRepository(Protocol):
    async def add_lines(self, lines: Sequence[Line]) -> None:
        """Remembers conversation lines; a line already known (same id) is left as it is."""
        ...

    async def recent_lines(self, creator_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> list[Line]:
        """The conversation's most recent lines, oldest first."""
        ...

    async def persona(self, creator_id: uuid.UUID) -> Persona | None:
        """The creator's persona, or None when they never set one."""
        ...

    async def save_persona(self, creator_id: uuid.UUID, persona: Persona, now: datetime) -> None: ...

    async def add_generation(self, generation: Generation) -> bool:
        """Records a draft; False (and nothing stored) when its message already has one."""
        ...
