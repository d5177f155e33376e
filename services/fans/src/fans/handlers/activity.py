"""Fan activity: messages keep the profile (name, first and last message, count)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import Envelope, FanProfileUpdated, MessageReceived
from huntaze_service import PermanentError

from ..domain import Fan, FanOfAnotherCreator, fold_messages
from .publish import Uow, settle


async def track_fan_messages(uow: Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
    """One upsert per fan for the whole batch, then one fan.profile_updated per fan changed."""
    deltas = {d.fan_id: d for d in fold_messages(list(events))}
    now = uow.now()  # one instant: a fan created by this upsert is the one whose created_at is it
    try:
        fans = await uow.repo.apply_activity(list(deltas.values()), now)
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
    # A fan seen for the first time joins its segments (never_spent...); a renamed fan is evaluated
    # again when one of the creator's custom segments filters on the name (q).
    by_creator: dict[uuid.UUID, list[Fan]] = {}
    for fan in fans:
        by_creator.setdefault(fan.creator_id, []).append(fan)
    for creator_id, changed in by_creator.items():
        first_seen = [f.id for f in changed if f.created_at == now and f.message_count == deltas[f.id].message_count]
        custom = await uow.repo.custom_segments(creator_id)
        by_name = [f.id for f in changed if f.id not in first_seen] if any(c.filter.q for c in custom) else []
        if not first_seen and not by_name:
            continue
        settings = await uow.repo.creator_settings(creator_id)
        states = await uow.repo.lock_existing(creator_id, first_seen + by_name)
        settle(uow, states.values(), settings, custom, now, cause=deltas[changed[0].id].latest)
        await uow.repo.save_fans(list(states.values()), now)


async def get_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
    return await uow.repo.get_fan(creator_id, fan_id)
