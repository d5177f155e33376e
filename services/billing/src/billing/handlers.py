"""Use cases of the billing service: each takes the unit of work (``uow.repo`` is a BillingRepository)."""

from __future__ import annotations

import uuid

from huntaze_events import Envelope, FanProfileUpdated
from huntaze_service import UnitOfWork

from .domain import FanSeen, Note, fan_seen, new_note
from .ports import BillingRepository

Uow = UnitOfWork[BillingRepository]


async def create_note(uow: Uow, creator_id: uuid.UUID, text: str) -> Note:
    note = new_note(creator_id, text, uow.now())
    await uow.repo.add_note(note)
    await uow.commit()
    return note


async def get_note(uow: Uow, creator_id: uuid.UUID, note_id: uuid.UUID) -> Note | None:
    return await uow.repo.get_note(creator_id, note_id)


async def remember_fan(uow: Uow, event: Envelope[FanProfileUpdated]) -> None:
    """Keeps the fan's latest name (the consumer's transaction commits it with the idempotency record)."""
    await uow.repo.upsert_fan_seen(fan_seen(event))


async def list_fans_seen(uow: Uow, creator_id: uuid.UUID, *, limit: int) -> list[FanSeen]:
    return await uow.repo.list_fans_seen(creator_id, limit=limit)
