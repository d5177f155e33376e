"""Fan activity: messages keep the profile (name, first and last message, count)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import Envelope, FanProfileUpdated, MessageReceived
from huntaze_service import PermanentError

from ..domain import Fan, FanOfAnotherCreator, fold_messages
from .publish import Uow, context_of, settle


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
    # a fan seen for the first time joins its segments (never_spent, custom ones matching the name)
    now = uow.now()
    first_seen: dict[uuid.UUID, list[uuid.UUID]] = {}
    for fan in fans:
        if fan.created_at == now and fan.message_count == deltas[fan.id].message_count:
            first_seen.setdefault(fan.creator_id, []).append(fan.id)
    for creator_id, fan_ids in first_seen.items():
        states = await uow.repo.lock_existing(creator_id, fan_ids)
        settings, custom = await context_of(uow, creator_id)
        settle(uow, states.values(), settings, custom, now, cause=deltas[fan_ids[0]].latest)
        await uow.repo.save_fans(list(states.values()), now)


async def get_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
    return await uow.repo.get_fan(creator_id, fan_id)
