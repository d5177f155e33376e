"""The inbox's read model of the fans a mass message can target: who they are
(``fan.profile_updated``) and which segments they are in (``fan.segment_changed``). Both upserts are
idempotent, and an erased fan is never written again. A fan entering ``expiring`` or ``lapsed`` is
also the trigger of ``win_back`` and ``re_engage``: recorded in the same transaction, so the run
always sees the segment it was triggered by."""

from __future__ import annotations

from huntaze_events import Envelope, FanProfileUpdated, FanSegmentChanged

from . import automations
from .base import Uow


async def record_profile(uow: Uow, event: Envelope[FanProfileUpdated]) -> None:
    p = event.payload
    await uow.repo.update_audience_profile(event.creator_id, p.fan_id, p.external_id, p.display_name, uow.now())


async def record_segment(uow: Uow, event: Envelope[FanSegmentChanged]) -> None:
    p = event.payload
    await uow.repo.update_audience_segment(event.creator_id, p.fan_id, p.segment, p.change == "entered", uow.now())
    await automations.on_segment_changed(uow, event)
