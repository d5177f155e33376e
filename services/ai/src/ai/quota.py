"""The organisation's AI drafts of the month (``ai_drafts_per_month``), in the ai service.

Every AI text (a fan message's draft, a regeneration, an automation's text) is paid for with one
unit, reserved in the transaction that records its call (:func:`huntaze_service.entitlements.reserve`:
one atomic statement, exact however many workers draft at once). A refused reservation records no
call: ``reply.withheld`` (reason ``quota_reached``, same transaction) tells the inbox, which shows the
message as waiting for a person; drafting resumes for new messages once a newer entitlement allows
it. For an automation's text, ``reply.withheld`` carries the run's id as ``in_reply_to_message_id``
(the id the text would have answered): the inbox ends that run ``skipped`` (``quota_reached``) — no
text is invented and nothing is sent without the AI. A call that fails for good wrote nothing: its
unit goes back to the month it was counted in (:func:`draft_failed`). An organisation not known yet
is drafted and nothing is counted (the chassis' fail open).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from huntaze_events import Envelope, ReplyWithheld
from huntaze_service import Call, UnitOfWork, entitlements

from .domain import DraftCall
from .ports import AiRepository

Uow = UnitOfWork[AiRepository]


async def reserve_ai_text(
    uow: Uow,
    event: Envelope[Any],
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    fan_id: uuid.UUID,
) -> str | None | Literal[False]:
    """Reserves one AI text for the creator's organisation this month: the month it was counted in
    (None: the organisation is not known yet, allowed, nothing counted); refused → ``reply.withheld``
    (same transaction) and False: the caller records no call."""
    creator_id = event.creator_id
    decision = await entitlements.reserve(uow, creator_id, "ai_drafts", uow.now())
    if isinstance(decision, entitlements.Allowed):
        return entitlements.period_of(uow.now())
    if isinstance(decision, entitlements.Unknown):
        return None
    uow.emit(
        ReplyWithheld(
            conversation_id=conversation_id,
            in_reply_to_message_id=message_id,
            fan_id=fan_id,
            reason="quota_reached",
            limit=decision.limit or 0,
            plan=decision.plan_name[:64],
            upgrade_to=decision.upgrade_to[:64] if decision.upgrade_to else None,
            period=decision.period or entitlements.period_of(uow.now()),
        ),
        creator_id=creator_id,
        cause=event,
    )
    return False


async def draft_failed(uow: Uow, call: Call[DraftCall], error: str) -> None:
    """A drafting call that failed for good wrote nothing: its AI draft goes back to the month."""
    if call.payload.quota_period is not None:
        await entitlements.release(uow, call.tenant, "ai_drafts", call.payload.quota_period)
