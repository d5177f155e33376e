"""Whale routing's storage in memory (:class:`inbox.whales.WhaleRepository`), with the SQL one's
semantics: a cancellation sticks, a priority is claimed once until answered, sales and buy rates
are read from the fake's offers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from inbox.offers import Offer
from inbox.whales import Priority, Rate, Shift, Sold


class FakeWhales:
    offers_by_id: dict[uuid.UUID, Offer]

    @property
    def shift_rows(self) -> dict[tuple[uuid.UUID, uuid.UUID], Shift]:
        """(creator, shift) → the shift (made on first use: the other fakes' __init__ do not chain)."""
        return self.__dict__.setdefault("_shift_rows", {})  # type: ignore[no-any-return]

    @property
    def priority_rows(self) -> dict[uuid.UUID, Priority]:
        """Conversation → its priority mark."""
        return self.__dict__.setdefault("_priority_rows", {})  # type: ignore[no-any-return]

    async def save_shift(self, shift: Shift) -> None:
        key = (shift.creator_id, shift.shift_id)
        old = self.shift_rows.get(key)
        if old is None:
            self.shift_rows[key] = shift
        elif shift.cancelled_at is not None and old.cancelled_at is None:
            self.shift_rows[key] = replace(old, cancelled_at=shift.cancelled_at)

    async def shifts_on_duty(self, creator_id: uuid.UUID, now: datetime) -> list[Shift]:
        return [s for s in self.shift_rows.values() if s.creator_id == creator_id and s.on_duty(now)]

    async def sales_to_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> list[Sold]:
        sold: dict[uuid.UUID, Sold] = {}
        for o in self.offers_by_id.values():
            if o.creator_id != creator_id or o.fan_id != fan_id or o.created_by not in user_ids or not o.unlocked_at:
                continue
            was = sold.get(o.created_by)
            net, last = (was.net_cents, was.last_unlocked_at) if was else (0, o.unlocked_at)
            sold[o.created_by] = Sold(o.created_by, net + o.net_cents, max(last, o.unlocked_at))
        return list(sold.values())

    async def buy_rates(self, creator_id: uuid.UUID, user_ids: Sequence[uuid.UUID], since: datetime) -> list[Rate]:
        counts: dict[uuid.UUID, tuple[int, int]] = {}
        for o in self.offers_by_id.values():
            if o.creator_id != creator_id or o.created_by not in user_ids or o.mass_message_id is not None:
                continue
            if o.sent_at is None or o.sent_at < since:
                continue
            sent, unlocked = counts.get(o.created_by, (0, 0))
            counts[o.created_by] = (sent + 1, unlocked + (o.unlocked_at is not None))
        return [Rate(user, sent, unlocked) for user, (sent, unlocked) in counts.items()]

    async def priority(self, conversation_id: uuid.UUID) -> Priority | None:
        return self.priority_rows.get(conversation_id)

    async def claim_priority(self, priority: Priority) -> bool:
        old = self.priority_rows.get(priority.conversation_id)
        if old is not None and old.active:
            return False
        episode = old.episode + 1 if old is not None else priority.episode
        self.priority_rows[priority.conversation_id] = replace(priority, episode=episode, active=True)
        return True

    async def answer_priority(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        old = self.priority_rows.get(conversation_id)
        if old is None or not old.active:
            return False
        self.priority_rows[conversation_id] = replace(old, active=False, answered_at=at)
        return True

    async def priorities(
        self, creator_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Priority]:
        rows = self.priority_rows
        return {c: rows[c] for c in conversation_ids if c in rows and rows[c].creator_id == creator_id}
