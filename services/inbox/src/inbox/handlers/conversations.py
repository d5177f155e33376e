"""Conversations: fan messages in, AI drafts, approvals, and the ``send_reply`` call.

Sending is an external call: approving a draft records ``send_reply`` with the approved text in the
same transaction; a worker hands it to the connector after the commit, outside any transaction,
and records the outcome (``reply.sent``, or the draft ``failed``) in a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from huntaze_events import (
    Envelope,
    FanRef,
    MessageReceived,
    ReplyApproved,
    ReplyDrafted,
    ReplyRegenerationRequested,
    ReplySent,
    fan_id_for,
)
from huntaze_service import Call, PermanentError

from ..domain import (
    AutomatedDraftNotRegenerable,
    Conversation,
    ConversationSummary,
    Direction,
    Draft,
    DraftStatus,
    Message,
    SendReply,
    check_approvable,
    check_regenerable,
)
from ..erasure import FanIsErased
from ..guardrails import RestrictedText, find_restricted
from ..quota import Withheld, shown
from ..unanswered import UNANSWERED_AFTER
from . import unanswered, whales
from .base import NotFound, Uow

SEND_REPLY = "send_reply"


# commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveMessage:
    creator_id: uuid.UUID
    fan_external_id: str
    fan_display_name: str
    text: str
    sent_at: datetime | None
    external_id: str | None
    unanswered_after: timedelta = UNANSWERED_AFTER
    """How long the fan may wait before the people on shift are alerted (inbox.unanswered)."""


@dataclass(frozen=True)
class Received:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    duplicate: bool


async def receive_message(uow: Uow, cmd: ReceiveMessage) -> Received:
    """Stores a fan's message in its conversation (created on first contact), emits message.received.
    Raises FanIsErased for a fan whose personal data was erased (nothing is stored).

    A connector retry carrying the same external message id returns the stored message instead of
    storing it twice — also when the retry races the original: the conversation row is locked
    before the second look, so the two are applied one after the other."""
    now = uow.now()
    sent_at = cmd.sent_at or now
    fan_id = fan_id_for(cmd.creator_id, cmd.fan_external_id)
    repo = uow.repo
    if cmd.external_id is not None:
        stored = await repo.find_message(cmd.creator_id, cmd.fan_external_id, cmd.external_id)
        if stored is not None:
            return Received(stored[0], stored[1], fan_id, duplicate=True)
    touched = await repo.touch_conversation(
        creator_id=cmd.creator_id,
        fan_id=fan_id,
        fan_external_id=cmd.fan_external_id,
        fan_display_name=cmd.fan_display_name,
        at=sent_at,
        now=now,
    )
    if touched is None:  # the fan was erased (inbox.erasure)
        raise FanIsErased(fan_id)
    conversation_id = touched.conversation_id
    if cmd.external_id is not None:
        stored = await repo.find_message(cmd.creator_id, cmd.fan_external_id, cmd.external_id)
        if stored is not None:  # a concurrent retry committed it while we waited for the lock
            await uow.rollback()
            return Received(stored[0], stored[1], fan_id, duplicate=True)
    message_id = uuid.uuid4()
    stored = await repo.add_message(
        Message(message_id, cmd.creator_id, conversation_id, Direction.IN, cmd.text, sent_at, now, cmd.external_id),
        unless_erased=fan_id,
    )
    if not stored:  # erased while we waited for the conversation's lock: nothing of this request stays
        await uow.rollback()
        raise FanIsErased(fan_id)
    uow.emit(
        MessageReceived(
            message_id=message_id,
            conversation_id=conversation_id,
            fan=FanRef(fan_id=fan_id, external_id=cmd.fan_external_id, display_name=cmd.fan_display_name),
            text=cmd.text,
            sent_at=sent_at,
            received_at=now,
        ),
        creator_id=cmd.creator_id,
    )
    if touched.whale:  # a whale's message: the conversation becomes priority, routed (conversation.prioritized)
        await whales.on_inbound(
            uow,
            creator_id=cmd.creator_id,
            conversation_id=conversation_id,
            fan_id=fan_id,
            message_id=message_id,
            now=now,
        )
    await unanswered.on_inbound(  # the fan waits for an answer from now (unless they already did)
        uow, creator_id=cmd.creator_id, conversation_id=conversation_id, fan_id=fan_id, now=now,
        threshold=cmd.unanswered_after,
    )  # fmt: skip
    await uow.commit()
    return Received(message_id, conversation_id, fan_id, duplicate=False)


async def approve_draft(
    uow: Uow,
    *,
    creator_id: uuid.UUID,
    user_id: uuid.UUID,
    draft_id: uuid.UUID,
    text: str | None,
    shift_id: uuid.UUID | None = None,
) -> Draft:
    """A person approves a draft, maybe edited (or approves again one whose sending failed): emits
    reply.approved and records the send, in one transaction. Raises NotFound for a draft of another
    creator, DraftNotApprovable when it is approved or sent already, RestrictedText when the text
    (as edited) holds a restricted term."""
    draft = await uow.repo.draft(creator_id, draft_id, lock=True)
    if draft is None:
        raise NotFound("draft")
    check_approvable(draft.status)
    conversation = await uow.repo.conversation(creator_id, draft.conversation_id)
    assert conversation is not None
    now = uow.now()
    final = text if text is not None else draft.text
    restricted = find_restricted(final, await uow.repo.restricted_words(creator_id))
    if restricted is not None:
        raise RestrictedText(restricted)  # nothing changes: the draft stays as it was
    draft.text = final
    draft.status = DraftStatus.APPROVED
    draft.approved_at = now
    draft.approved_by = user_id
    draft.approved_shift_id = shift_id
    draft.send_error = None
    await uow.repo.save_draft(draft)
    await whales.on_answered(uow, draft.conversation_id, now)  # a person answered: the priority clears
    await unanswered.on_answered(uow, draft.conversation_id, now)  # ... and the fan no longer waits
    approved = None
    if draft.in_reply_to_message_id is not None:  # an automation's draft answers no message: its
        # approval shows on reply.sent (``automation``), reply.approved is about replies
        approved = uow.emit(
            ReplyApproved(
                draft_id=draft.id,
                conversation_id=draft.conversation_id,
                fan_id=conversation.fan_id,
                in_reply_to_message_id=draft.in_reply_to_message_id,
                text=draft.text,
                edited=draft.edited,
                approved_by=user_id,
                approved_at=now,
            ),
            creator_id=creator_id,
        )
    # One send per approval: its idempotency key is the approval's (event) id.
    uow.call(
        SEND_REPLY,
        key=str(approved.event_id if approved is not None else uuid.uuid4()),
        payload=SendReply(
            draft_id=draft.id,
            conversation_id=draft.conversation_id,
            fan_id=conversation.fan_id,
            fan_external_id=conversation.fan_external_id,
            text=draft.text,
        ),
        cause=approved,
        tenant=creator_id,
        order_key=str(draft.conversation_id),  # replies to a fan leave in the order they were approved
    )
    await uow.commit()
    return draft


async def regenerate_draft(
    uow: Uow, *, creator_id: uuid.UUID, user_id: uuid.UUID, draft_id: uuid.UUID, instruction: str | None
) -> Draft:
    """A person asks for another draft (maybe with an instruction): reply.regeneration_requested.
    The draft stays as it is until the new one arrives and supersedes it. Raises NotFound,
    DraftNotRegenerable (approved, sent or superseded already)."""
    draft = await uow.repo.draft(creator_id, draft_id, lock=True)
    if draft is None:
        raise NotFound("draft")
    check_regenerable(draft.status)
    if draft.in_reply_to_message_id is None:
        raise AutomatedDraftNotRegenerable()
    conversation = await uow.repo.conversation(creator_id, draft.conversation_id)
    assert conversation is not None
    uow.emit(
        ReplyRegenerationRequested(
            draft_id=draft.id,
            conversation_id=draft.conversation_id,
            in_reply_to_message_id=draft.in_reply_to_message_id,
            fan_id=conversation.fan_id,
            fan_display_name=conversation.fan_display_name,
            instruction=instruction,
            requested_by=user_id,
            requested_at=uow.now(),
        ),
        creator_id=creator_id,
    )
    await uow.commit()
    return draft


# event handlers -----------------------------------------------------------------------------------


async def record_draft(uow: Uow, event: Envelope[ReplyDrafted]) -> None:
    """Adds the AI's draft to its conversation, waiting for approval."""
    drafted = event.payload
    if await uow.repo.erased(event.creator_id, drafted.fan_id) is not None:
        return  # the draft of an erased fan's older message: nothing of theirs is stored again
    if await uow.repo.conversation(event.creator_id, drafted.conversation_id) is None:
        raise PermanentError(f"draft {drafted.draft_id} names unknown conversation {drafted.conversation_id}")
    if drafted.supersedes is not None:
        old = await uow.repo.draft(event.creator_id, drafted.supersedes, lock=True)
        if old is None or old.superseded_by == drafted.draft_id:
            pass  # unknown (another creator's id), or this regeneration delivered again
        elif old.status not in (DraftStatus.DRAFTED, DraftStatus.FAILED):
            return  # approved or superseded meanwhile: the person moved on, the new draft is not shown
        else:
            old.status = DraftStatus.SUPERSEDED
            old.superseded_by = drafted.draft_id
            await uow.repo.save_draft(old)
    await uow.repo.add_draft(
        Draft(
            id=drafted.draft_id,
            creator_id=event.creator_id,
            conversation_id=drafted.conversation_id,
            in_reply_to_message_id=drafted.in_reply_to_message_id,
            status=DraftStatus.DRAFTED,
            text=drafted.text,
            original_text=drafted.text,
            provider=drafted.provider,
            model=drafted.model,
            created_at=event.occurred_at,
            review_reasons=tuple(drafted.review),
            supersedes=drafted.supersedes,
        )
    )


# the send_reply call's outcome -----------------------------------------------------------------------


async def record_sent(uow: Uow, call: Call[SendReply], delivery: str) -> None:
    """The connector took the reply: it becomes an outbound message, the draft ``sent``, and
    reply.sent is emitted — once, even if the call was made twice."""
    send = call.payload
    draft = await uow.repo.draft(call.tenant, send.draft_id, lock=True)
    if draft is None or draft.status is DraftStatus.SENT:
        return
    now = uow.now()
    message_id = uuid.uuid4()
    await uow.repo.add_message(
        Message(
            message_id,
            call.tenant,
            send.conversation_id,
            Direction.OUT,
            send.text,
            now,
            now,
            None,
            draft.id,
            automation=draft.automation,
        )
    )
    await uow.repo.count_outgoing(send.conversation_id, now)
    draft.status = DraftStatus.SENT
    draft.sent_at = now
    draft.sent_message_id = message_id
    draft.delivery = delivery
    draft.send_error = None
    await uow.repo.save_draft(draft)
    answered = draft.in_reply_to_message_id
    uow.emit(
        ReplySent(
            draft_id=draft.id,
            message_id=message_id,
            conversation_id=send.conversation_id,
            fan_id=send.fan_id,
            text=send.text,
            sent_at=now,
            delivery=delivery,
            automation=draft.automation,
            approved_by=draft.approved_by,
            shift_id=draft.approved_shift_id,
            in_reply_to_message_id=answered,
            in_reply_to_received_at=None if answered is None else await uow.repo.received_at(answered),
        ),
        creator_id=call.tenant,
    )


async def record_send_failure(uow: Uow, call: Call[SendReply], error: str) -> None:
    """The connector refused the reply, or kept failing: the draft shows ``failed`` and why; a
    person may approve it again."""
    draft = await uow.repo.draft(call.tenant, call.payload.draft_id, lock=True)
    if draft is None or draft.status is DraftStatus.SENT:
        return
    draft.status = DraftStatus.FAILED
    draft.send_error = error[:500]
    await uow.repo.save_draft(draft)


# queries ------------------------------------------------------------------------------------------


async def list_conversations(
    uow: Uow,
    creator_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    priority_only: bool = False,
) -> list[ConversationSummary]:
    return await uow.repo.list_conversations(creator_id, limit=limit, after=after, priority_only=priority_only)


async def get_conversation(
    uow: Uow, creator_id: uuid.UUID, conversation_id: uuid.UUID, *, limit: int
) -> tuple[Conversation, list[Message], list[Draft]]:
    conversation = await uow.repo.conversation(creator_id, conversation_id)
    if conversation is None:
        raise NotFound("conversation")
    messages = await uow.repo.recent_messages(conversation_id, limit)
    since = messages[0].sent_at if messages and len(messages) == limit else None
    return conversation, messages, await uow.repo.drafts(conversation_id, since)


async def withheld_shown(
    uow: Uow, creator_id: uuid.UUID, messages: list[Message], drafts: list[Draft]
) -> dict[uuid.UUID, Withheld]:
    """The fan messages of the page the AI did not draft for (quota reached) and no later draft came."""
    inbound = [m.id for m in messages if m.direction is Direction.IN]
    withheld = await uow.repo.withheld_among(creator_id, inbound)
    return shown(withheld, [(d.in_reply_to_message_id, d.created_at) for d in drafts]) if withheld else {}


async def get_draft(uow: Uow, creator_id: uuid.UUID, draft_id: uuid.UUID) -> Draft:
    draft = await uow.repo.draft(creator_id, draft_id)
    if draft is None:
        raise NotFound("draft")
    return draft
