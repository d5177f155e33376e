"""What the billing use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from typing import Protocol

from .domain import FanSeen, Note


class BillingRepository(Protocol):
    async def add_note(self, note: Note) -> None: ...

    async def get_note(self, creator_id: uuid.UUID, note_id: uuid.UUID) -> Note | None:
        """None when the note does not exist or belongs to another creator."""
        ...

    async def upsert_fan_seen(self, fan: FanSeen) -> None:
        """Creates or updates the fan, unless what is stored is newer (``updated_at``)."""
        ...

    async def list_fans_seen(self, creator_id: uuid.UUID, *, limit: int) -> list[FanSeen]:
        """Most recently updated first."""
        ...
