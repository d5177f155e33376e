"""An in-memory FansRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from fans.domain import ActivityDelta, Fan, FanOfAnotherCreator


class FakeFansRepository:
    def __init__(self) -> None:
        self.fans: dict[uuid.UUID, Fan] = {}

    async def apply_activity(self, deltas: Sequence[ActivityDelta], now: datetime) -> list[Fan]:
        for d in deltas:
            fan = self.fans.get(d.fan_id)
            if fan is not None and fan.creator_id != d.creator_id:
                raise FanOfAnotherCreator(f"fan ids belong to another creator: {d.fan_id}")
        changed = []
        for d in deltas:
            fan = self.fans.get(d.fan_id)
            if fan is None:
                fan = Fan(
                    d.fan_id,
                    d.creator_id,
                    d.external_id,
                    d.display_name,
                    d.first_message_at,
                    d.last_message_at,
                    d.message_count,
                    now,
                    now,
                )
            else:
                newest = fan.last_message_at is None or d.last_message_at >= fan.last_message_at
                fan = replace(
                    fan,
                    message_count=fan.message_count + d.message_count,
                    first_message_at=min(filter(None, (fan.first_message_at, d.first_message_at))),
                    last_message_at=max(filter(None, (fan.last_message_at, d.last_message_at))),
                    display_name=d.display_name if newest else fan.display_name,
                    updated_at=now,
                )
            self.fans[d.fan_id] = fan
            changed.append(fan)
        return changed

    async def list_fans(
        self, creator_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None, query: str | None
    ) -> list[Fan]:
        found = [f for f in self.fans.values() if f.creator_id == creator_id]
        if query:
            q = query.lower()
            found = [f for f in found if q in f.display_name.lower() or q in f.external_id.lower()]
        found.sort(key=lambda f: (f.last_message_at, f.id), reverse=True)
        if after is not None:
            found = [f for f in found if (f.last_message_at, f.id) < after]
        return found[:limit]

    async def get_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
        fan = self.fans.get(fan_id)
        return fan if fan is not None and fan.creator_id == creator_id else None
