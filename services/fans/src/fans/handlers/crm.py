"""The CRM's use cases: fan lists and profiles, notes, tags, preferences, custom segments, the
creator's revenue settings, and the timer that moves fans as time passes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..crm import MAX_CUSTOM_SEGMENTS, CreatorSettings, CurrencyLocked, FanSort, Note
from ..erasure import FanIsErased
from ..profile import FanState
from ..segments import BUILTIN, CustomSegment, FanFilter
from .publish import Uow, context_of, settle

REEVALUATE_PAGE = 500


class TooManySegments(Exception):
    pass


async def review_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
    """The ``fan_review`` timer: time alone moved this fan (a subscription expired, a fan is no
    longer new, or a subscription entered its last 3 days)."""
    await uow.repo.lock_creator(creator_id)
    fans = await uow.repo.lock_existing(creator_id, [fan_id])
    if not fans:
        return  # erased since
    settings, custom = await context_of(uow, creator_id)
    settle(uow, fans.values(), settings, custom, uow.now())
    await uow.repo.save_fans(list(fans.values()), uow.now())


async def reevaluate_all(uow: Uow, creator_id: uuid.UUID, gone: Sequence[CustomSegment] = ()) -> int:
    """Every fan of the creator against the current rules (after a threshold or segment change)."""
    settings, custom = await context_of(uow, creator_id)
    after: uuid.UUID | None = None
    seen = 0
    while True:
        ids = await uow.repo.creator_fan_ids(creator_id, after=after, limit=REEVALUATE_PAGE)
        if not ids:
            return seen
        fans = await uow.repo.lock_existing(creator_id, ids)
        settle(uow, fans.values(), settings, custom, uow.now(), gone=gone)
        await uow.repo.save_fans(list(fans.values()), uow.now())
        seen += len(ids)
        after = ids[-1]


async def update_settings(
    uow: Uow, creator_id: uuid.UUID, *, currency: str | None, timezone: str | None, whale_threshold_cents: int | None
) -> CreatorSettings:
    await uow.repo.lock_creator(creator_id)
    current = await uow.repo.creator_settings(creator_id)
    if currency is not None and currency != current.currency and await uow.repo.has_transactions(creator_id):
        raise CurrencyLocked(current.currency)
    updated = replace(
        current,
        currency=currency or current.currency,
        timezone=timezone or current.timezone,
        whale_threshold_cents=whale_threshold_cents or current.whale_threshold_cents,
    )
    await uow.repo.save_creator_settings(updated, uow.now())
    if updated.whale_threshold_cents != current.whale_threshold_cents:
        await reevaluate_all(uow, creator_id)
    return updated


async def add_custom_segment(
    uow: Uow, creator_id: uuid.UUID, name: str, f: FanFilter, created_by: uuid.UUID | None
) -> tuple[CustomSegment, int]:
    await uow.repo.lock_creator(creator_id)
    existing = await uow.repo.custom_segments(creator_id)
    if len(existing) >= MAX_CUSTOM_SEGMENTS:
        raise TooManySegments(MAX_CUSTOM_SEGMENTS)
    segment = CustomSegment(id=uuid.uuid4(), creator_id=creator_id, name=name, filter=f, created_at=uow.now())
    await uow.repo.add_custom_segment(segment, created_by)
    await reevaluate_all(uow, creator_id)
    return segment, len(await uow.repo.fans_in_segment(creator_id, segment.key))


async def delete_custom_segment(uow: Uow, creator_id: uuid.UUID, segment_id: uuid.UUID) -> bool:
    await uow.repo.lock_creator(creator_id)
    gone = [c for c in await uow.repo.custom_segments(creator_id) if c.id == segment_id]
    if not await uow.repo.delete_custom_segment(creator_id, segment_id):
        return False
    await reevaluate_all(uow, creator_id, gone)  # members leave it (fan.segment_changed left)
    return True


async def list_segments(uow: Uow, creator_id: uuid.UUID) -> list[dict[str, Any]]:
    counts = await uow.repo.segment_counts(creator_id)
    out: list[dict[str, Any]] = [
        {"segment": name, "name": name, "kind": "builtin", "count": counts.get(name, 0), "filter": None}
        for name in BUILTIN
    ]
    for c in await uow.repo.custom_segments(creator_id):
        out.append(
            {
                "segment": c.key,
                "segment_id": c.id,
                "name": c.name,
                "kind": "custom",
                "count": counts.get(c.key, 0),
                "filter": c.filter,
                "created_at": c.created_at,
            }
        )
    return out


async def _locked_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> FanState | None:
    await uow.repo.lock_creator(creator_id)
    return (await uow.repo.lock_existing(creator_id, [fan_id])).get(fan_id)


async def set_tags(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID, tags: Sequence[str]) -> FanState | None:
    fan = await _locked_fan(uow, creator_id, fan_id)
    if fan is None:
        return None
    if fan.erased_at is not None:
        raise FanIsErased(fan_id)
    fan.tags = sorted(set(tags))
    settings, custom = await context_of(uow, creator_id)
    settle(uow, [fan], settings, custom, uow.now())  # a custom segment may filter on a tag
    await uow.repo.save_fans([fan], uow.now(), tags=True)
    return fan


async def _annotatable(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> bool:
    """False: no such fan for this creator; FanIsErased: the fan was erased (fans.erasure)."""
    row = await uow.repo.fan_row(creator_id, fan_id)
    if row is not None and row["erased_at"] is not None:
        raise FanIsErased(fan_id)
    return row is not None


async def add_note(
    uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID, text: str, author_id: uuid.UUID | None
) -> Note | None:
    if not await _annotatable(uow, creator_id, fan_id):
        return None
    note = Note(uuid.uuid4(), creator_id, fan_id, author_id, text, uow.now())
    await uow.repo.add_note(note)
    return note


async def set_preferences(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID, changes: dict[str, str | None]) -> bool:
    if not await _annotatable(uow, creator_id, fan_id):
        return False
    await uow.repo.set_preferences(fan_id, changes, uow.now())
    return True


async def search_fans(
    uow: Uow, creator_id: uuid.UUID, f: FanFilter, *, sort: FanSort, after: tuple[Any, uuid.UUID] | None, limit: int
) -> list[dict[str, Any]]:
    return await uow.repo.search_fans(creator_id, f, sort=sort, after=after, limit=limit)


async def fan_profile(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> dict[str, Any] | None:
    row = await uow.repo.fan_row(creator_id, fan_id)
    if row is None:
        return None
    row["spend_by_type"] = await uow.repo.spend_by_type(fan_id)
    row["latest_transactions"] = await uow.repo.latest_transactions(fan_id, 20)
    row["notes"] = await uow.repo.notes(fan_id)
    return row
