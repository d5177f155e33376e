"""HTTP API of queue slots: the weekly times an account posts at (``"publish_at": "next_slot"``)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import CreatorId, RuntimeDep

from . import handlers
from .api import REFUSED, answer_of
from .domain import Refused
from .slots import MAX_SLOTS, Slot

router = APIRouter(prefix="/v1/marketing", tags=["marketing"])


class SlotIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=0, le=6, strict=True, description="0 = Monday … 6 = Sunday.")
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local HH:MM.")]

    def slot(self) -> Slot:
        hours, minutes = self.time.split(":")
        return Slot(self.weekday, time(int(hours), int(minutes)))

    @classmethod
    def of(cls, s: Slot) -> SlotIO:
        return cls(weekday=s.weekday, time=s.at.strftime("%H:%M"))


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Paris.")
    slots: list[SlotIO] = Field(max_length=MAX_SLOTS, description="The whole weekly list (empty: none).")


class SlotsOut(BaseModel):
    account_id: uuid.UUID
    timezone: str | None
    slots: list[SlotIO]
    next_free: list[datetime] = Field(description="The coming free slot times, in the order next_slot takes them.")


@router.put("/accounts/{account_id}/slots", response_model=SlotsOut, responses={404: REFUSED, 422: REFUSED})
async def put_slots(account_id: uuid.UUID, body: SlotsIn, runtime: RuntimeDep, creator_id: CreatorId) -> SlotsOut:
    """The account's weekly queue slots, replaced as a whole."""
    async with runtime.uow() as uow:
        try:
            await handlers.set_slots(uow, creator_id, account_id, body.timezone, [s.slot() for s in body.slots])
        except (handlers.NotFound, Refused) as exc:
            raise answer_of(exc) from None
    return await get_slots(account_id, runtime, creator_id)


@router.get("/accounts/{account_id}/slots", response_model=SlotsOut, responses={404: REFUSED})
async def get_slots(
    account_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    count: Annotated[int, Query(ge=1, le=50, description="How many coming free slots to list.")] = 5,
) -> SlotsOut:
    async with runtime.uow() as uow:
        try:
            timezone, found, free = await handlers.upcoming_slots(uow, creator_id, account_id, count)
        except handlers.NotFound as exc:
            raise answer_of(exc) from None
    return SlotsOut(account_id=account_id, timezone=timezone, slots=[SlotIO.of(s) for s in found], next_free=free)
