"""Erasure and export of one fan's personal data (rules and inventory: :mod:`fans.erasure`)."""

from __future__ import annotations

import uuid
from typing import Any

from huntaze_events import FanErased

from ..erasure import ERASED_NAME, Erasure, erased_handle
from .publish import Uow, context_of, settle


async def erase_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID, requested_by: uuid.UUID) -> Erasure | None:
    """Anonymises the fan and emits ``fan.erased``, in the caller's transaction (None: no such fan
    for this creator). Asked again, answers the first erasure and changes nothing.

    The creator's advisory lock and the fan's row lock are the ones every revenue write takes, so a
    sale being recorded for the fan either commits first (and is counted, then anonymised) or waits
    and finds the fan erased."""
    await uow.repo.lock_creator(creator_id)
    fan = (await uow.repo.lock_existing(creator_id, [fan_id])).get(fan_id)
    if fan is None:
        return None
    if fan.erased_at is not None:
        return Erasure(fan.id, creator_id, fan.erased_at, fan.erased_by)
    now = uow.now()
    forget = (fan.external_id, fan.display_name)
    fan.external_id, fan.display_name, fan.tags = erased_handle(fan.id), ERASED_NAME, []
    fan.erased_at, fan.erased_by = now, requested_by
    await uow.repo.erase_fan(fan, forget=forget, now=now)
    # custom segments filtering on a tag or the name no longer hold the fan; built-in ones (money,
    # subscription, time) are unchanged
    settings, custom = await context_of(uow, creator_id)
    settle(uow, [fan], settings, custom, now)
    await uow.repo.save_fans([fan], now, tags=True)
    uow.emit(
        FanErased(fan_id=fan.id, creator_id=creator_id, erased_at=now, requested_by=requested_by), creator_id=creator_id
    )
    return Erasure(fan.id, creator_id, now, requested_by)


async def personal_data(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything the fans service holds about the fan: the profile row, notes, spend by type and
    every transaction (None: no such fan for this creator)."""
    row = await uow.repo.fan_row(creator_id, fan_id)
    if row is None:
        return None
    row["notes"] = await uow.repo.notes(fan_id, limit=None)
    row["spend_by_type"] = await uow.repo.spend_by_type(fan_id)
    row["transactions"] = await uow.repo.latest_transactions(fan_id, None)
    return row
