"""Everything the fans workers do, in one place: the events they consume and the timers they fire."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from huntaze_events import Envelope, MessageReceived
from huntaze_service import RetryPolicy, Subscriptions, Timer

from . import handlers
from .handlers.crm import review_fan
from .handlers.imports import IMPORT_CHUNK_ATTEMPTS, IMPORT_TIMER, apply_chunk, give_up
from .handlers.publish import REVIEW_TIMER


class FanDue(BaseModel):
    fan_id: uuid.UUID


class ImportDue(BaseModel):
    import_id: uuid.UUID


def subscriptions() -> Subscriptions:
    subs = Subscriptions()

    @subs.on_batch(MessageReceived, name="fan_activity")
    async def fan_activity(uow: handlers.Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
        """Keeps each fan's profile: name, first and last message time, message count."""
        await handlers.track_fan_messages(uow, events)

    @subs.timer(REVIEW_TIMER, FanDue)
    async def fan_review(uow: handlers.Uow, timer: Timer[FanDue]) -> None:
        """Moves a fan when time alone changes it: expiry, no longer new, last 3 days of a subscription."""
        await review_fan(uow, timer.tenant, timer.payload.fan_id)

    @subs.timer(IMPORT_TIMER, ImportDue, retry=RetryPolicy(max_attempts=IMPORT_CHUNK_ATTEMPTS + 1))
    async def import_chunk(uow: handlers.Uow, timer: Timer[ImportDue]) -> None:
        """Applies the next chunk of a statement import, then schedules the next one (after
        IMPORT_CHUNK_ATTEMPTS failures of one chunk, the import is marked failed)."""
        if timer.attempt > IMPORT_CHUNK_ATTEMPTS:
            await give_up(uow, timer.tenant, timer.payload.import_id)
            return
        await apply_chunk(uow, timer.tenant, timer.payload.import_id)

    return subs
