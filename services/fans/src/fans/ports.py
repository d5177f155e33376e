"""What the fans use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .domain import ActivityDelta, Fan


class FansRepository(Protocol):
    async def apply_activity(self, deltas: Sequence[ActivityDelta], now: datetime) -> list[Fan]:
        """Adds each delta to its fan's profile (creating it), in one statement; returns the
        profiles as they now are. Raises FanOfAnotherCreator when a fan id belongs to another creator."""
        ...

    async def list_fans(
        self, creator_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None, query: str | None
    ) -> list[Fan]:
        """Most recent activity first (keyset after ``after``); ``query`` matches name or OnlyFans id."""
        ...

    async def get_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None: ...
