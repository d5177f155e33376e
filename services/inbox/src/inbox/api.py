"""HTTP API of the inbox (reached through the gateway: its internal token names the creator and the caller)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from huntaze_events import MAX_MESSAGE_CHARS
from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, not_found
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from . import handlers
from .domain import Conversation, Draft, DraftNotApprovable, Message, clean_text, storable
from .erasure import FanIsErased
from .guardrails import RestrictedText

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
NO_DRAFT = {"description": "No such draft for this creator."}
NoNul = AfterValidator(storable)


# models -------------------------------------------------------------------------------------------


class FanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, NoNul] = Field(min_length=1, max_length=128, description="The fan's OnlyFans id.")
    display_name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fan: FanIn
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    sent_at: AwareDatetime | None = Field(default=None, description="When the fan sent it (UTC).")
    external_id: Annotated[str, NoNul] | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The connector's id for this message; a retry with the same id is not stored twice.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)


class MessageAccepted(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    duplicate: bool = Field(description="True when this external_id was already stored.")


class FanOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str


class MessageOut(BaseModel):
    message_id: uuid.UUID
    direction: str = Field(description="`in` from the fan, `out` from the creator.")
    text: str
    sent_at: datetime
    draft_id: uuid.UUID | None = None

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        return cls(message_id=m.id, direction=m.direction.value, text=m.text, sent_at=m.sent_at, draft_id=m.draft_id)


class DraftOut(BaseModel):
    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID
    status: str = Field(description="`drafted`, `approved` (being sent), `sent` or `failed` (see `send_error`).")
    text: str
    original_text: str
    edited: bool
    provider: str
    model: str | None
    created_at: datetime
    approved_at: datetime | None
    approved_by: uuid.UUID | None
    sent_at: datetime | None
    send_error: str | None = Field(default=None, description="Why the connector did not take it (status `failed`).")
    needs_review: bool = Field(
        default=False, description="The fan's message tried to steer the AI: a person must read it (never autosent)."
    )
    review_reasons: list[str] = Field(default_factory=list, description="`instructions`, `system_roleplay`, …")

    @classmethod
    def of(cls, d: Draft) -> DraftOut:
        return cls(
            draft_id=d.id,
            conversation_id=d.conversation_id,
            in_reply_to_message_id=d.in_reply_to_message_id,
            status=d.status.value,
            text=d.text,
            original_text=d.original_text,
            edited=d.edited,
            provider=d.provider,
            model=d.model,
            created_at=d.created_at,
            approved_at=d.approved_at,
            approved_by=d.approved_by,
            sent_at=d.sent_at,
            send_error=d.send_error,
            needs_review=d.needs_review,
            review_reasons=list(d.review_reasons),
        )


class ConversationSummaryOut(BaseModel):
    conversation_id: uuid.UUID
    fan: FanOut
    last_message_at: datetime
    message_count: int
    last_message: MessageOut | None
    pending_drafts: int


class ConversationPage(BaseModel):
    items: list[ConversationSummaryOut]
    next_cursor: str | None


class ConversationOut(BaseModel):
    conversation_id: uuid.UUID
    fan: FanOut
    created_at: datetime
    last_message_at: datetime
    message_count: int
    messages: list[MessageOut] = Field(description="Oldest first.")
    drafts: list[DraftOut] = Field(description="Oldest first, each with its status.")


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        description="The edited reply; omit to approve the draft as written.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)


@asynccontextmanager
async def erased_fans_gone() -> AsyncIterator[None]:
    try:
        yield
    except FanIsErased as exc:
        raise ApiError(410, str(exc), "fan_erased") from None


def _fan(c: Conversation) -> FanOut:
    return FanOut(fan_id=c.fan_id, external_id=c.fan_external_id, display_name=c.fan_display_name)


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
            ),
        )
    return MessageAccepted(**received.__dict__)


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    runtime: RuntimeDep, creator_id: CreatorId, limit: Limit = 50, cursor: Cursor = None
) -> ConversationPage:
    """Conversations, most recent activity first."""
    after = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        rows = await handlers.list_conversations(uow, creator_id, limit=limit + 1, after=after)
    page, more = rows[:limit], len(rows) > limit
    last = page[-1].conversation if page else None
    return ConversationPage(
        items=[
            ConversationSummaryOut(
                conversation_id=r.conversation.id,
                fan=_fan(r.conversation),
                last_message_at=r.conversation.last_message_at,
                message_count=r.conversation.message_count,
                last_message=MessageOut.of(r.last_message) if r.last_message else None,
                pending_drafts=r.pending_drafts,
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
    return ConversationOut(
        conversation_id=conversation.id,
        fan=_fan(conversation),
        created_at=conversation.created_at,
        last_message_at=conversation.last_message_at,
        message_count=conversation.message_count,
        messages=[MessageOut.of(m) for m in messages],
        drafts=[DraftOut.of(d) for d in drafts],
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
            )
        except handlers.NotFound:
            raise not_found("draft") from None
        except DraftNotApprovable as exc:
            raise ApiError(409, str(exc), "draft_not_approvable") from None
        except RestrictedText as exc:
            raise ApiError(422, str(exc), "restricted_word") from None
    return DraftOut.of(draft)
