"""The calendar's storage in memory, with the SQL adapter's semantics (scoped to the creator)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from content.calendar import Entry


class FakeCalendar:
    def __init__(self) -> None:
        self.entries: dict[tuple[uuid.UUID, uuid.UUID], Entry] = {}
        self.unlocks: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, int, str]] = {}
        self.clicks: dict[tuple[uuid.UUID, str, int], int] = {}
        self.locks: list[tuple[uuid.UUID, uuid.UUID]] = []

    async def lock_calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        self.locks.append((creator_id, entry_id))

    async def calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID, *, lock: bool = False) -> Entry | None:
        return self.entries.get((creator_id, entry_id))

    async def save_calendar_entry(self, entry: Entry, now: datetime) -> None:
        self.entries[(entry.creator_id, entry.entry_id)] = replace(entry, updated_at=now)

    async def calendar_window(self, creator_id: uuid.UUID, start: datetime, end: datetime) -> list[Entry]:
        mine = [
            e
            for (c, _), e in self.entries.items()
            if c == creator_id
            and (start <= e.starts_at < end or (e.ends_at is not None and e.starts_at < start < e.ends_at))
        ]
        return sorted(mine, key=lambda e: (e.starts_at, str(e.entry_id)))

    async def add_calendar_mass_unlock(
        self, creator_id: uuid.UUID, offer_id: uuid.UUID, mass_message_id: uuid.UUID, net_cents: int, currency: str
    ) -> bool:
        if (creator_id, offer_id) in self.unlocks:
            return False
        self.unlocks[(creator_id, offer_id)] = (mass_message_id, net_cents, currency)
        return True

    async def calendar_mass_unlocked(self, creator_id: uuid.UUID, mass_message_id: uuid.UUID, currency: str) -> int:
        return sum(
            n
            for (c, _), (m, n, cur) in self.unlocks.items()
            if c == creator_id and m == mass_message_id and cur == currency
        )

    async def count_calendar_click(self, creator_id: uuid.UUID, network: str, hour: int) -> None:
        key = (creator_id, network, hour)
        self.clicks[key] = self.clicks.get(key, 0) + 1

    async def calendar_click_hours(self, creator_id: uuid.UUID) -> dict[str, dict[int, int]]:
        out: dict[str, dict[int, int]] = {}
        for (c, network, hour), n in self.clicks.items():
            if c == creator_id:
                out.setdefault(network, {})[hour] = n
        return out
