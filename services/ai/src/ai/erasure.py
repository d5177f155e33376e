"""A fan's personal data in the ai service: erased on ``fan.erased``, exported on request.

What the ai holds about a fan: ``conversation_lines.text`` (the fan's messages and the creator's
replies, its history for drafting), ``generations.text`` (the drafts, which may name the fan), and
the ``reply.drafted`` events it published (``outbox``, key = conversation id). A line or generation
knows its fan (``fan_id``); lines stored before that column existed are found through their
conversation. Erasure deletes all of it in one transaction and records the fan in ``erased_fans``,
the tombstone: afterwards a ``message.received`` or ``reply.sent`` about the fan (a replay, a
late delivery) stores no line and records no draft call, and a draft call already recorded for the
fan (its prompt lives in the chassis' ``timers`` row until the call ends) records no draft.

Writers and erasure meet on an advisory lock per fan (shared for writers, exclusive for erasure),
taken before the tombstone is read: a write in flight finishes and is erased with the rest, a
later one sees the tombstone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import Envelope, FanErased
from huntaze_service import UnitOfWork
from huntaze_service.tombstones import erased_fan_of

from .domain import Generation, Line
from .ports import AiRepository

Uow = UnitOfWork[AiRepository]


@dataclass(frozen=True)
class PersonalData:
    fan_id: uuid.UUID
    erased_at: datetime | None
    lines: list[Line]
    generations: list[Generation]


async def erase_fan(uow: Uow, event: Envelope[FanErased]) -> None:
    """Deletes the fan's conversation lines and generations and records the tombstone."""
    await uow.repo.erase_fan(erased_fan_of(event), now=uow.now())
    await uow.repo.erase_pricing_fan(event.creator_id, event.payload.fan_id)  # the counts stay, not who


async def personal_data(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> PersonalData:
    erased = await uow.repo.erased(creator_id, fan_id)
    lines, generations = await uow.repo.fan_history(creator_id, fan_id)
    return PersonalData(fan_id, None if erased is None else erased.erased_at, lines, generations)
