"""Use cases of the fans service: each takes the unit of work (``uow.repo`` is a FansRepository)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_events import Envelope, FanProfileUpdated, MessageReceived
from huntaze_service import PermanentError, UnitOfWork

from .domain import Fan, FanOfAnotherCreator, fold_messages
from .ports import FansRepository

Uow = UnitOfWork[FansRepository]


async def track_fan_messages(uow: Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
    """One upsert per fan for the whole batch, then one fan.profile_updated per fan changed."""
    deltas = {d.fan_id: d for d in fold_messages(list(events))}
    try:
        fans = await uow.repo.apply_activity(list(deltas.values()), uow.now())
    except FanOfAnotherCreator as exc:
        raise PermanentError(str(exc)) from exc
    for fan in fans:
        uow.emit(
            FanProfileUpdated(
                fan_id=fan.id,
                external_id=fan.external_id,
                display_name=fan.display_name,
                first_message_at=fan.first_message_at,
                last_message_at=fan.last_message_at,
                message_count=fan.message_count,
            ),
            cause=deltas[fan.id].latest,
        )


async def list_fans(
    uow: Uow,
    creator_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    query: str | None,
) -> list[Fan]:
    return await uow.repo.list_fans(creator_id, limit=limit, after=after, query=query)


async def get_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
    return await uow.repo.get_fan(creator_id, fan_id)
