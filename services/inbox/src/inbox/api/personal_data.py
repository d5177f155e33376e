"""``GET /v1/inbox/fans/{fan_id}/personal-data``: everything the inbox holds about one fan — its part
of the fan's export, which the gateway merges with the other services' (owners and managers, audited).
A fan the inbox never heard of, or another creator's, answers an empty document: the fans service
decides whether the fan exists. What erasure removes: :mod:`.erasure`."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep

from .. import erasure
from .models import DraftOut, FanOut, MessageOut

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class FanConversationOut(BaseModel):
    conversation_id: uuid.UUID
    fan: FanOut = Field(description="The fan as the connector named them in this conversation.")
    created_at: datetime
    last_message_at: datetime
    message_count: int
    messages: list[MessageOut] = Field(description="Every message, the fan's and the creator's, oldest first.")
    drafts: list[DraftOut] = Field(description="Every reply drafted for the fan, oldest first.")


class InboxPersonalDataOut(BaseModel):
    """Everything the inbox holds about one fan."""

    fan_id: uuid.UUID
    erased_at: datetime | None = Field(description="When the inbox erased the fan (fan.erased), or null.")
    conversations: list[FanConversationOut]


@router.get(
    "/fans/{fan_id}/personal-data",
    response_model=InboxPersonalDataOut,
    responses={404: {"description": "this service holds nothing about the fan (unknown, or another creator's)"}},
    summary="Everything the inbox holds about one fan (its part of the fan's export)",
)
async def personal_data(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> InboxPersonalDataOut:
    async with runtime.uow() as uow:
        found = await erasure.personal_data(uow, creator_id, fan_id)
    if found.erased_at is None and not found.conversations:
        raise ApiError(404, "the inbox holds nothing about this fan")  # unknown, or another creator's
    return InboxPersonalDataOut(
        fan_id=found.fan_id,
        erased_at=found.erased_at,
        conversations=[
            FanConversationOut(
                conversation_id=c.conversation.id,
                fan=FanOut(
                    fan_id=c.conversation.fan_id,
                    external_id=c.conversation.fan_external_id,
                    display_name=c.conversation.fan_display_name,
                ),
                created_at=c.conversation.created_at,
                last_message_at=c.conversation.last_message_at,
                message_count=c.conversation.message_count,
                messages=[MessageOut.of(m) for m in c.messages],
                drafts=[DraftOut.of(d) for d in c.drafts],
            )
            for c in found.conversations
        ],
    )
