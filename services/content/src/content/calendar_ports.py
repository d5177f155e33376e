"""What the calendar use cases need from storage (the SQL adapter and the unit tests' fake implement
it). Every read is scoped to the creator: another creator's id is not found."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from .calendar import Entry


class CalendarRepository(Protocol):
    async def lock_calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        """Serialises the transactions that change one entry, even one not stored yet (until commit)."""
        ...

    async def calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID, *, lock: bool = False) -> Entry | None:
        """One entry; ``lock`` holds it (FOR UPDATE) until the transaction ends."""
        ...

    async def save_calendar_entry(self, entry: Entry, now: datetime) -> None:
        """Creates or replaces the entry (its key: creator and entry id)."""
        ...

    async def calendar_window(self, creator_id: uuid.UUID, start: datetime, end: datetime) -> list[Entry]:
        """Entries starting in [start, end), and spans starting before and still running at ``start``,
        ordered by start then id (one indexed query)."""
        ...

    async def add_calendar_mass_unlock(
        self, creator_id: uuid.UUID, offer_id: uuid.UUID, mass_message_id: uuid.UUID, net_cents: int, currency: str
    ) -> bool:
        """Records an unlock of a mass message's copy once (by offer); False if it was known."""
        ...

    async def calendar_mass_unlocked(self, creator_id: uuid.UUID, mass_message_id: uuid.UUID, currency: str) -> int:
        """The net of every unlock of the mass message's copies in ``currency``, in cents (0 if none)."""
        ...

    async def count_calendar_click(self, creator_id: uuid.UUID, network: str, hour: int) -> None:
        """One more person's click on a link of ``network`` at this hour of day (UTC)."""
        ...

    async def calendar_click_hours(self, creator_id: uuid.UUID) -> dict[str, dict[int, int]]:
        """Clicks per network, per hour of day."""
        ...
