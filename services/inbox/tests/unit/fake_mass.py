"""Mass messages in memory (the part of the fake InboxRepository the calendar's tests use): stored
mass messages, their audience counted from the fake's read model of fans, the calendar commands
answered, and an expansion that only counts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from inbox.mass import Audience, Delivery, MassMessage, MassStats, Recipient


class FakeMassMessages:
    fans: dict[uuid.UUID, tuple[Recipient | None, set[str]]]

    def __init__(self) -> None:
        super().__init__()
        self.mass: dict[uuid.UUID, MassMessage] = {}
        self.commands: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = {}
        """Calendar commands answered: (creator, command) → the mass message they named."""

    def _members(self, audience: Audience) -> list[Recipient]:
        return [
            who
            for who, segments in self.fans.values()
            if who is not None and segments & set(audience.segments) and not segments & set(audience.exclude_segments)
        ]

    async def audience(
        self, creator_id: uuid.UUID, audience: Audience, media_ids: tuple[uuid.UUID, ...], now: datetime, sample: int
    ) -> tuple[int, list[Recipient]]:
        members = sorted(self._members(audience), key=lambda r: r.fan_id)
        return len(members), members[:sample]

    async def add_mass_message(self, mass: MassMessage, currency: str) -> None:
        assert mass.id not in self.mass
        self.mass[mass.id] = replace(mass)

    async def mass_message(
        self, creator_id: uuid.UUID, mass_id: uuid.UUID, *, lock: bool = False
    ) -> MassMessage | None:
        m = self.mass.get(mass_id)
        return replace(m) if m is not None and m.creator_id == creator_id else None

    async def save_mass_message(self, mass: MassMessage) -> None:
        self.mass[mass.id] = replace(mass)

    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, mass_id: uuid.UUID, at: datetime
    ) -> bool:
        if (creator_id, command_id) in self.commands:
            return False
        self.commands[(creator_id, command_id)] = mass_id
        return True

    async def expand(self, mass: MassMessage, now: datetime) -> int:
        return len(self._members(mass.audience))

    async def cancel_deliveries(self, mass_id: uuid.UUID) -> list[uuid.UUID]:
        return []

    async def claim_deliveries(self, mass_id: uuid.UUID, limit: int, now: datetime) -> list[Delivery]:
        return []

    async def unsettled(self, mass_id: uuid.UUID) -> dict[str, int]:
        return {}

    async def mass_stats(self, mass: MassMessage) -> MassStats:
        return MassStats(mass.recipients)
