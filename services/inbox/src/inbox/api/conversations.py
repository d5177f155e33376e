"""Conversations: fan messages in (from the connector), conversations and their drafts, approvals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Body, Query

from huntaze_service import ApiError, CreatorId, RuntimeDep, ShiftId, UserId, not_found
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from .. import handlers
from ..domain import DraftNotApprovable, DraftNotRegenerable
from ..erasure import FanIsErased
from ..guardrails import RestrictedText
from ..handlers import whales
from ..handlers.offers import fan_offers
from .models import (
    ApproveIn,
    ConversationOut,
    ConversationPage,
    ConversationSummaryOut,
    DraftOut,
    MediaHistoryOut,
    MessageAccepted,
    MessageIn,
    MessageOut,
    OfferOut,
    RegenerateIn,
    fan_of,
    priority_of,
)

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
NO_DRAFT = {"description": "No such draft for this creator."}


@asynccontextmanager
async def erased_fans_gone() -> AsyncIterator[None]:
    try:
        yield
    except FanIsErased as exc:
        raise ApiError(410, str(exc), "fan_erased") from None


# routes -------------------------------------------------------------------------------------------


@router.post(
    "/messages",
    status_code=202,
    response_model=MessageAccepted,
    responses={410: {"description": "The fan's personal data was erased: nothing is stored from them."}},
)
async def receive_message(body: MessageIn, runtime: RuntimeDep, creator_id: CreatorId) -> MessageAccepted:
    """A fan's message arrives from the connector. Drafting happens asynchronously."""
    async with runtime.uow() as uow, erased_fans_gone():
        received = await handlers.receive_message(
            uow,
            handlers.ReceiveMessage(
                creator_id=creator_id,
                fan_external_id=body.fan.external_id,
                fan_display_name=body.fan.display_name,
                text=body.text,
                sent_at=body.sent_at,
                external_id=body.external_id,
                unanswered_after=runtime.settings.unanswered_after(),  # type: ignore[attr-defined]
            ),
        )
    return MessageAccepted(**received.__dict__)


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    limit: Limit = 50,
    cursor: Cursor = None,
    priority: Annotated[
        bool, Query(description="Only the conversations marked priority (a whale wrote, no one answered yet).")
    ] = False,
) -> ConversationPage:
    """Conversations, most recent activity first. Each shows whether it is priority (a whale wrote:
    routed to `assigned_user_id`, the person on shift best matched to that fan); `priority=true`
    lists only those — what a chatter works through first."""
    after = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        rows = await handlers.list_conversations(uow, creator_id, limit=limit + 1, after=after, priority_only=priority)
        marks = await whales.priorities(uow, creator_id, [r.conversation.id for r in rows[:limit]])
    page, more = rows[:limit], len(rows) > limit
    last = page[-1].conversation if page else None
    return ConversationPage(
        items=[
            ConversationSummaryOut(
                conversation_id=r.conversation.id,
                fan=fan_of(r.conversation),
                last_message_at=r.conversation.last_message_at,
                message_count=r.conversation.message_count,
                last_message=MessageOut.of(r.last_message) if r.last_message else None,
                pending_drafts=r.pending_drafts,
                **priority_of(marks.get(r.conversation.id)),
            )
            for r in page
        ],
        next_cursor=encode_cursor(last.last_message_at, last.id) if more and last else None,
    )


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationOut,
    responses={404: {"description": "No such conversation for this creator."}},
)
async def get_conversation(
    conversation_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    limit: Annotated[int, Query(ge=1, le=500, description="Most recent messages to return.")] = 100,
) -> ConversationOut:
    async with runtime.uow() as uow:
        try:
            conversation, messages, drafts = await handlers.get_conversation(
                uow, creator_id, conversation_id, limit=limit
            )
        except handlers.NotFound:
            raise not_found("conversation") from None
        offers, media = await fan_offers(uow, creator_id, conversation.fan_id)
        withheld = await handlers.withheld_shown(uow, creator_id, messages, drafts)
        marks = await whales.priorities(uow, creator_id, [conversation.id])
    return ConversationOut(
        conversation_id=conversation.id,
        fan=fan_of(conversation),
        created_at=conversation.created_at,
        last_message_at=conversation.last_message_at,
        message_count=conversation.message_count,
        messages=[MessageOut.of(m, withheld.get(m.id)) for m in messages],
        drafts=[DraftOut.of(d) for d in drafts],
        offers=[OfferOut.of(o) for o in offers],
        media=[MediaHistoryOut.of(h) for h in media],
        **priority_of(marks.get(conversation.id)),
    )


@router.get("/drafts/{draft_id}", response_model=DraftOut, responses={404: NO_DRAFT})
async def get_draft(draft_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> DraftOut:
    async with runtime.uow() as uow:
        try:
            return DraftOut.of(await handlers.get_draft(uow, creator_id, draft_id))
        except handlers.NotFound:
            raise not_found("draft") from None


@router.post(
    "/drafts/{draft_id}/approve",
    status_code=202,
    response_model=DraftOut,
    responses={
        404: NO_DRAFT,
        409: {"description": "The draft is already approved (being sent) or sent."},
        422: {"description": "Invalid input, or the text holds a restricted term (code `restricted_word`)."},
    },
)
async def approve_draft(
    draft_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    user_id: UserId,
    shift_id: ShiftId,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> DraftOut:
    """Approves a drafted reply (optionally edited), or approves again one whose sending failed.
    Sending happens asynchronously: the draft becomes `sent` (or `failed`, with `send_error`)."""
    async with runtime.uow() as uow:
        try:
            draft = await handlers.approve_draft(
                uow,
                creator_id=creator_id,
                user_id=user_id,
                draft_id=draft_id,
                text=body.text if body else None,
                shift_id=shift_id,
            )
        except handlers.NotFound:
            raise not_found("draft") from None
        except DraftNotApprovable as exc:
            raise ApiError(409, str(exc), "draft_not_approvable") from None
        except RestrictedText as exc:
            raise ApiError(422, str(exc), "restricted_word") from None
    return DraftOut.of(draft)


@router.post(
    "/drafts/{draft_id}/regenerate",
    status_code=202,
    response_model=DraftOut,
    responses={404: NO_DRAFT, 409: {"description": "The draft is approved, sent or superseded already."}},
)
async def regenerate_draft(
    draft_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    user_id: UserId,
    body: Annotated[RegenerateIn | None, Body()] = None,
) -> DraftOut:
    """Asks the AI for another draft of this reply, maybe with an instruction. The new draft arrives
    in the conversation with `supersedes` set; this one then shows `superseded`."""
    async with runtime.uow() as uow:
        try:
            draft = await handlers.regenerate_draft(
                uow,
                creator_id=creator_id,
                user_id=user_id,
                draft_id=draft_id,
                instruction=body.instruction if body else None,
            )
        except handlers.NotFound:
            raise not_found("draft") from None
        except DraftNotRegenerable as exc:
            raise ApiError(409, str(exc), "draft_not_regenerable") from None
    return DraftOut.of(draft)
