"""HTTP API of the fans service (reached through the gateway, which sets X-Creator-Id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from huntaze_service import CreatorId, RuntimeDep, not_found
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from . import handlers
from .domain import Fan

router = APIRouter(prefix="/v1/fans", tags=["fans"])


class FanOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, fan: Fan) -> FanOut:
        return cls(
            fan_id=fan.id,
            external_id=fan.external_id,
            display_name=fan.display_name,
            first_message_at=fan.first_message_at,
            last_message_at=fan.last_message_at,
            message_count=fan.message_count,
            created_at=fan.created_at,
            updated_at=fan.updated_at,
        )


class FanPage(BaseModel):
    items: list[FanOut]
    next_cursor: str | None


@router.get("", response_model=FanPage)
async def list_fans(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Annotated[str | None, Query(max_length=100, description="Search name or OnlyFans id")] = None,
) -> FanPage:
    after = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        fans = await handlers.list_fans(uow, creator_id, limit=limit + 1, after=after, query=q)
    page, more = fans[:limit], len(fans) > limit
    next_cursor = encode_cursor(page[-1].last_message_at, page[-1].id) if more and page else None
    return FanPage(items=[FanOut.of(f) for f in page], next_cursor=next_cursor)


@router.get("/{fan_id}", response_model=FanOut)
async def get_fan(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> FanOut:
    async with runtime.uow() as uow:
        fan = await handlers.get_fan(uow, creator_id, fan_id)
    if fan is None:
        raise not_found("fan")
    return FanOut.of(fan)
