"""Use cases of the ai service: each takes the unit of work (``uow.repo`` is an AiRepository).

Drafting is an external call (the model may take seconds): the consumer only records it, with the
prompt's inputs fixed as they are when the fan's message arrives; a worker makes the call outside
any transaction; the draft is recorded, and ``reply.drafted`` emitted, in a second transaction.

Every AI text (a fan message's draft, a regeneration, an automation's text) first reserves one of
the organisation's AI drafts of the month, in the transaction that records its call (:mod:`.quota`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from huntaze_events import (
    REVERSAL_TYPES,
    AutomationTextRequested,
    AutomationTextWritten,
    Envelope,
    FanSegmentChanged,
    MessageReceived,
    ReplyDrafted,
    ReplyRegenerationRequested,
    ReplySent,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Call, PermanentError, UnitOfWork

from .domain import (
    DEFAULT_PERSONA,
    HISTORY_LIMIT,
    DraftCall,
    Drafted,
    DraftRequest,
    Generation,
    Line,
    Persona,
    Speaker,
    draft_id_for,
    earlier_lines,
    regenerated_draft_id,
)
from .fan_facts import FanFacts, Standing, ends_in_words
from .ports import AiRepository
from .quota import reserve_ai_text
from .untrusted import review_reasons

Uow = UnitOfWork[AiRepository]
DRAFT_REPLY = "draft_reply"
WRITE_AUTOMATION = "write_automation"


async def load_persona(uow: Uow, creator_id: uuid.UUID) -> tuple[Persona, bool]:
    """The creator's persona, and whether it is the default (never set)."""
    persona = await uow.repo.persona(creator_id)
    return (DEFAULT_PERSONA, True) if persona is None else (persona, False)


async def save_persona(uow: Uow, creator_id: uuid.UUID, persona: Persona) -> None:
    await uow.repo.save_persona(creator_id, persona, uow.now())
    await uow.commit()


async def request_drafts(uow: Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
    """Remembers each fan message and records a ``draft_reply`` call for it, with the
    conversation so far and the creator's persona. Messages of one batch see each other. Messages
    of erased fans (a replay, a late delivery) are left out: nothing of theirs is stored."""
    erased = await uow.repo.erased_among(sorted({e.payload.fan.fan_id for e in events}))
    events = [e for e in events if e.payload.fan.fan_id not in erased]
    if not events:
        return
    await uow.repo.add_lines(
        [
            Line(
                e.payload.message_id,
                e.creator_id,
                e.payload.conversation_id,
                Speaker.FAN,
                e.payload.text,
                e.payload.sent_at,
                e.payload.fan.fan_id,
            )
            for e in events
        ]
    )
    personas = {creator: (await load_persona(uow, creator))[0] for creator in {e.creator_id for e in events}}
    facts = await uow.repo.fan_facts(sorted({e.payload.fan.fan_id for e in events}))
    now = uow.now()
    by_conversation: dict[tuple[uuid.UUID, uuid.UUID], list[Envelope[MessageReceived]]] = defaultdict(list)
    for event in events:
        by_conversation[(event.creator_id, event.payload.conversation_id)].append(event)
    for (creator_id, conversation_id), mine in by_conversation.items():
        lines = await uow.repo.recent_lines(creator_id, conversation_id, HISTORY_LIMIT + len(mine))
        for event in mine:
            message = event.payload
            quota = await reserve_ai_text(uow, event, conversation_id, message.message_id, message.fan.fan_id)
            if quota is False:
                continue
            request = DraftRequest(
                creator_id=creator_id,
                conversation_id=conversation_id,
                message_id=message.message_id,
                fan_name=message.fan.display_name,
                message=message.text,
                history=earlier_lines(lines, message.message_id, message.sent_at),
                persona=personas[creator_id],
                **_knowing(facts.get(message.fan.fan_id), now),
            )
            uow.call(
                DRAFT_REPLY,
                key=str(message.message_id),
                payload=DraftCall.of(request, message.fan.fan_id, quota_period=quota),
                cause=event,
                order_key=str(conversation_id),  # drafts of a conversation arrive in its order
            )


def _knowing(facts: FanFacts | None, now: datetime) -> dict[str, object]:
    """The fan's standing and, when their subscription is ending, when — fixed in the request."""
    if facts is None:
        return {}
    standing = facts.standing(now)
    ends = ends_in_words(facts.expires_at, now) if Standing.EXPIRING in standing else None
    return {"standing": tuple(s.value for s in standing), "ends": ends}


async def request_regeneration(uow: Uow, event: Envelope[ReplyRegenerationRequested]) -> None:
    """A person asked for another draft: the same fan message, conversation and persona, the fan's
    standing as it is now, and their instruction — recorded as a ``draft_reply`` call of its own."""
    asked = event.payload
    if await uow.repo.erased_among([asked.fan_id]):
        return
    lines = await uow.repo.recent_lines(event.creator_id, asked.conversation_id, 500)
    message = next((line for line in lines if line.id == asked.in_reply_to_message_id), None)
    if message is None:
        raise PermanentError(f"message {asked.in_reply_to_message_id} is not in the conversation the ai service knows")
    quota = await reserve_ai_text(uow, event, asked.conversation_id, message.id, asked.fan_id)
    if quota is False:
        return
    persona, _ = await load_persona(uow, event.creator_id)
    facts = await uow.repo.fan_facts([asked.fan_id])
    request = DraftRequest(
        creator_id=event.creator_id,
        conversation_id=asked.conversation_id,
        message_id=message.id,
        fan_name=asked.fan_display_name,
        message=message.text,
        history=earlier_lines(lines, message.id, message.at),
        persona=persona,
        instruction=asked.instruction,
        **_knowing(facts.get(asked.fan_id), uow.now()),
    )
    draft_id = regenerated_draft_id(event.event_id)
    uow.call(
        DRAFT_REPLY,
        key=str(draft_id),
        payload=DraftCall.of(request, asked.fan_id, supersedes=asked.draft_id, draft_id=draft_id, quota_period=quota),
        cause=event,
        order_key=str(asked.conversation_id),
    )


async def _store_generation(uow: Uow, call: Call[DraftCall], drafted: Drafted, draft_id: uuid.UUID) -> bool:
    """Keeps what the provider wrote for the call, once (False: it was kept already)."""
    request = call.payload
    return await uow.repo.add_generation(
        Generation(
            draft_id=draft_id,
            message_id=request.message_id,
            creator_id=call.tenant,
            conversation_id=request.conversation_id,
            provider=drafted.draft.provider,
            model=drafted.draft.model,
            text=drafted.draft.text,
            latency_ms=drafted.latency_ms,
            created_at=uow.now(),
            fan_id=request.fan_id,
            supersedes=request.supersedes,
            instruction=request.instruction,
        )
    )


async def record_draft(uow: Uow, call: Call[DraftCall], drafted: Drafted) -> None:
    """Stores the draft of a fan's message and emits reply.drafted — once per message, whatever
    happened before (a repeated call finds the draft stored and emits nothing)."""
    request = call.payload
    if await uow.repo.erased_among([request.fan_id]):
        return  # the fan was erased while the call was made: no draft of theirs is kept or sent on
    draft_id = request.draft_id or draft_id_for(request.message_id)
    if not await _store_generation(uow, call, drafted, draft_id):
        return
    uow.emit(
        ReplyDrafted(
            draft_id=draft_id,
            conversation_id=request.conversation_id,
            in_reply_to_message_id=request.message_id,
            fan_id=request.fan_id,
            text=drafted.draft.text,
            provider=drafted.draft.provider,
            model=drafted.draft.model,
            review=review_reasons(request.message),
            supersedes=request.supersedes,
        ),
        creator_id=call.tenant,
    )


async def request_automation_text(uow: Uow, event: Envelope[AutomationTextRequested]) -> None:
    """An automation's message to write: the conversation so far (the fan's latest words as context,
    untrusted), the persona, the fan's standing now and the creator's instruction — recorded as a
    ``write_automation`` call keyed by the run (one text per run)."""
    asked = event.payload
    if await uow.repo.erased_among([asked.fan_id]):
        return
    quota = await reserve_ai_text(uow, event, asked.conversation_id, asked.run_id, asked.fan_id)
    if quota is False:
        return
    lines = await uow.repo.recent_lines(event.creator_id, asked.conversation_id, HISTORY_LIMIT + 1)
    last_fan = next((line for line in reversed(lines) if line.speaker is Speaker.FAN), None)
    persona, _ = await load_persona(uow, event.creator_id)
    facts = await uow.repo.fan_facts([asked.fan_id])
    now = uow.now()
    request = DraftRequest(
        creator_id=event.creator_id,
        conversation_id=asked.conversation_id,
        message_id=asked.run_id,
        fan_name=asked.fan_display_name,
        message=last_fan.text if last_fan else "",
        history=earlier_lines(lines, last_fan.id, last_fan.at) if last_fan else earlier_lines(lines, asked.run_id, now),
        persona=persona,
        instruction=asked.instruction,
        occasion=asked.automation,
        **_knowing(facts.get(asked.fan_id), now),
    )
    uow.call(
        WRITE_AUTOMATION,
        key=str(asked.run_id),
        payload=DraftCall.of(request, asked.fan_id, draft_id=asked.draft_id, quota_period=quota),
        cause=event,
        order_key=str(asked.conversation_id),
    )


async def record_automation_text(uow: Uow, call: Call[DraftCall], drafted: Drafted) -> None:
    """Stores the automation's text (keyed by its draft id; ``message_id`` holds the run id) and
    emits automation.text_written once, with the review reasons of the fan's latest words."""
    request = call.payload
    if await uow.repo.erased_among([request.fan_id]):
        return
    assert request.draft_id is not None and request.occasion is not None
    if not await _store_generation(uow, call, drafted, request.draft_id):
        return
    uow.emit(
        AutomationTextWritten(
            run_id=request.message_id,
            draft_id=request.draft_id,
            conversation_id=request.conversation_id,
            fan_id=request.fan_id,
            automation=request.occasion,
            text=drafted.draft.text,
            provider=drafted.draft.provider,
            model=drafted.draft.model,
            review=review_reasons(request.message) if request.message else (),
        ),
        creator_id=call.tenant,
    )


async def remember_sent_reply(uow: Uow, event: Envelope[ReplySent]) -> None:
    """Keeps what the creator said, so the next drafts follow the conversation (not for an erased fan)."""
    reply = event.payload
    if await uow.repo.erased_among([reply.fan_id]):
        return
    await uow.repo.add_lines(
        [
            Line(
                reply.message_id,
                event.creator_id,
                reply.conversation_id,
                Speaker.CREATOR,
                reply.text,
                reply.sent_at,
                reply.fan_id,
            )
        ]
    )


# the fans read model ---------------------------------------------------------------------------------


async def record_spend(uow: Uow, event: Envelope[TransactionRecorded]) -> None:
    """A sale adds to what the fan spent, a refund or chargeback takes it back."""
    tx = event.payload
    reversal = tx.type in REVERSAL_TYPES
    await uow.repo.add_spend(event.creator_id, tx.fan_id, tx.net_cents, tx.currency, not reversal, uow.now())


async def record_segment(uow: Uow, event: Envelope[FanSegmentChanged]) -> None:
    p = event.payload
    await uow.repo.set_segment(event.creator_id, p.fan_id, p.segment, p.change == "entered", uow.now())


async def record_subscription(
    uow: Uow, event: Envelope[SubscriptionStarted] | Envelope[SubscriptionRenewed] | Envelope[SubscriptionExpired]
) -> None:
    p = event.payload
    status = "expired" if isinstance(p, SubscriptionExpired) else "active"
    await uow.repo.set_subscription(
        event.creator_id,
        p.fan_id,
        status=status,
        expires_at=p.expires_at,
        auto_renew=p.auto_renew,
        reported_at=event.occurred_at,
        now=uow.now(),
    )
