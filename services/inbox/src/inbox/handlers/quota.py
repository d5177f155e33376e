"""``reply.withheld`` (:mod:`inbox.quota`): an automation run waiting for its AI text ends skipped
(``quota_reached``); a fan message is kept as withheld, shown ``quota_reached`` instead of a draft."""

from __future__ import annotations

from huntaze_events import Envelope, ReplyWithheld

from ..automations import RunStatus
from ..quota import QUOTA_REACHED, withheld_of
from .automations import _announce, _decided
from .base import Uow


async def on_reply_withheld(uow: Uow, event: Envelope[ReplyWithheld]) -> None:
    """Once per message or run, whatever the repeats (a later one for the same message replaces it)."""
    p = event.payload
    if await uow.repo.erased(event.creator_id, p.fan_id) is not None:
        return  # an erased fan's older message: nothing of theirs is stored again
    run = await uow.repo.automation_run(p.in_reply_to_message_id, lock=True)
    if run is not None:
        if run.creator_id == event.creator_id and run.status is RunStatus.WRITING:
            _decided(run, RunStatus.SKIPPED, QUOTA_REACHED, uow.now())
            await uow.repo.save_run(run)
            _announce(uow, run, p.conversation_id)
        return
    if await uow.repo.conversation(event.creator_id, p.conversation_id) is None:
        return  # not this creator's conversation (or erased): nothing to show
    await uow.repo.record_withheld(withheld_of(event))
