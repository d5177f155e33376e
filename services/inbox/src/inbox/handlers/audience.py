"""The inbox's read model of the fans a mass message can target: who they are
(``fan.profile_updated``) and which segments they are in (``fan.segment_changed``). Both upserts are
idempotent, and an erased fan is never written again."""

from __future__ import annotations

from huntaze_events import Envelope, FanProfileUpdated, FanSegmentChanged

from .base import Uow


async def record_profile(uow: Uow, event: Envelope[FanProfileUpdated]) -> None:
    p = event.payload
    await uow.repo.update_audience_profile(event.creator_id, p.fan_id, p.external_id, p.display_name, uow.now())


async def record_segment(uow: Uow, event: Envelope[FanSegmentChanged]) -> None:
    p = event.payload
    await uow.repo.update_audience_segment(event.creator_id, p.fan_id, p.segment, p.change == "entered", uow.now())
