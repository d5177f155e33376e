"""A fan's personal data (right to erasure, right of access): ``POST /v1/fans/{fan_id}/erase`` and
``GET /v1/fans/{fan_id}/personal-data``. The gateway lets owners and managers call them, audits
them, and merges this service's document with the other services' into the fan's export. What is
erased and how: :mod:`fans.erasure`."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep, UserId, not_found

from ..handlers import erasure
from .models import CrmFanOut, NoteOut, TransactionOut, TypeSpendOut

router = APIRouter(prefix="/v1/fans", tags=["fans"])


class ErasureOut(BaseModel):
    fan_id: uuid.UUID
    erased_at: datetime = Field(description="When the fan was erased (the first request; a repeat answers the same).")
    requested_by: uuid.UUID | None = Field(description="The user who asked for the erasure.")


class FanPersonalDataOut(CrmFanOut):
    """Everything the fans service holds about one fan."""

    erased_by: uuid.UUID | None = Field(default=None, description="The user who erased the fan, once erased.")
    notes: list[NoteOut]
    spend_by_type: list[TypeSpendOut]
    transactions: list[TransactionOut] = Field(description="Every transaction of the fan, newest first.")


@router.post(
    "/{fan_id}/erase",
    status_code=202,
    response_model=ErasureOut,
    responses={404: {"description": "No such fan for this creator."}},
    summary="Erase the fan's personal data in every service (its money stays counted, anonymised)",
)
async def erase_fan(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> ErasureOut:
    """Anonymises the fan here and publishes ``fan.erased``; the inbox, the ai and analytics erase
    what they hold when they consume it (202: accepted, applied there within seconds). Asking again
    answers the first erasure and publishes nothing."""
    async with runtime.uow() as uow:
        done = await erasure.erase_fan(uow, creator_id, fan_id, user_id)
        if done is None:
            raise not_found("fan")
        await uow.commit()
    return ErasureOut(fan_id=done.fan_id, erased_at=done.erased_at, requested_by=done.requested_by)


@router.get(
    "/{fan_id}/personal-data",
    response_model=FanPersonalDataOut,
    responses={404: {"description": "No such fan for this creator."}},
    summary="Everything the fans service holds about one fan (its part of the fan's export)",
)
async def personal_data(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> FanPersonalDataOut:
    async with runtime.uow() as uow:
        row = await erasure.personal_data(uow, creator_id, fan_id)
    if row is None:
        raise not_found("fan")
    return FanPersonalDataOut(
        **CrmFanOut.of(row).model_dump(),
        erased_by=row["erased_by"],
        notes=[NoteOut.of(n) for n in row["notes"]],
        spend_by_type=[TypeSpendOut(**r) for r in row["spend_by_type"]],
        transactions=[TransactionOut(**r) for r in row["transactions"]],
    )
