"""``GET /v1/ai/fans/{fan_id}/personal-data``: everything the ai service holds about one fan — its
part of the fan's export, which the gateway merges with the other services' (owners and managers,
audited). A fan it never heard of, or another creator's, answers an empty document. What erasure
removes: :mod:`.erasure`."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep

from . import erasure

router = APIRouter(prefix="/v1/ai", tags=["ai"])


class HistoryLineOut(BaseModel):
    line_id: uuid.UUID = Field(description="The inbox's message id.")
    conversation_id: uuid.UUID
    speaker: str = Field(description="`fan` or `creator`.")
    text: str
    at: datetime


class GenerationOut(BaseModel):
    draft_id: uuid.UUID
    message_id: uuid.UUID = Field(description="The fan's message it answers.")
    conversation_id: uuid.UUID
    provider: str
    model: str | None
    text: str
    created_at: datetime


class AiPersonalDataOut(BaseModel):
    """Everything the ai service holds about one fan."""

    fan_id: uuid.UUID
    erased_at: datetime | None = Field(description="When the ai service erased the fan (fan.erased), or null.")
    conversation_history: list[HistoryLineOut] = Field(
        description="The lines kept for drafting, by conversation and time."
    )
    generations: list[GenerationOut] = Field(description="Every reply drafted for the fan.")


@router.get(
    "/fans/{fan_id}/personal-data",
    response_model=AiPersonalDataOut,
    responses={404: {"description": "this service holds nothing about the fan (unknown, or another creator's)"}},
    summary="Everything the ai service holds about one fan (its part of the fan's export)",
)
async def personal_data(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> AiPersonalDataOut:
    async with runtime.uow() as uow:
        found = await erasure.personal_data(uow, creator_id, fan_id)
    if found.erased_at is None and not found.lines and not found.generations:
        raise ApiError(404, "the ai service holds nothing about this fan")  # unknown, or another creator's
    return AiPersonalDataOut(
        fan_id=found.fan_id,
        erased_at=found.erased_at,
        conversation_history=[
            HistoryLineOut(
                line_id=x.id, conversation_id=x.conversation_id, speaker=x.speaker.value, text=x.text, at=x.at
            )
            for x in found.lines
        ],
        generations=[
            GenerationOut(
                draft_id=g.draft_id,
                message_id=g.message_id,
                conversation_id=g.conversation_id,
                provider=g.provider,
                model=g.model,
                text=g.text,
                created_at=g.created_at,
            )
            for g in found.generations
        ],
    )
