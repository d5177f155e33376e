"""``/v1/fans/segments``: built-in segments and the creator's own, with live counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, UserId, not_found

from ..crm import MAX_CUSTOM_SEGMENTS, SegmentNameTaken
from ..handlers import crm
from ..segments import BUILTIN, FanFilter

router = APIRouter(prefix="/v1/fans/segments", tags=["fans"])


class FilterBody(BaseModel):
    """The filters of the fan list. ``segment`` may only name a built-in segment here."""

    model_config = ConfigDict(extra="forbid")

    segment: Literal["whales", "new", "expiring", "lapsed", "never_spent"] | None = None
    tag: Annotated[StrictStr, Field(max_length=40), NoNul] | None = None
    q: Annotated[StrictStr, Field(min_length=1, max_length=100), NoNul] | None = None
    min_spend_cents: StrictInt | None = Field(default=None, ge=0, le=10**11)
    subscription: Literal["active", "expired"] | None = None


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[StrictStr, NoNul] = Field(min_length=1, max_length=100)
    filter: FilterBody


class SegmentOut(BaseModel):
    segment: str = Field(description="What the fan list's `segment` filter and fan.segment_changed use.")
    segment_id: uuid.UUID | None = None
    name: str
    kind: Literal["builtin", "custom"]
    count: int
    filter: FilterBody | None = None
    created_at: datetime | None = None


class SegmentList(BaseModel):
    items: list[SegmentOut]
    total_fans: int


@router.get("", response_model=SegmentList, summary="Segments with their live member counts")
async def list_segments(runtime: RuntimeDep, creator_id: CreatorId) -> SegmentList:
    async with runtime.uow() as uow:
        rows = await crm.list_segments(uow, creator_id)
        total = await uow.repo.total_fans(creator_id)
    items = []
    for r in rows:
        f = r.pop("filter")
        items.append(SegmentOut(**r, filter=FilterBody(**f.__dict__) if f is not None else None))
    return SegmentList(items=items, total_fans=total)


@router.post(
    "",
    status_code=201,
    response_model=SegmentOut,
    summary=f"Define a custom segment (≤ {MAX_CUSTOM_SEGMENTS})",
    responses={
        409: {"description": f"The name is taken (built-in or custom), or {MAX_CUSTOM_SEGMENTS} custom segments exist."}
    },
)
async def add_segment(body: SegmentIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> SegmentOut:
    if body.name in BUILTIN:
        raise ApiError(409, f"{body.name!r} is a built-in segment", "conflict")
    f = FanFilter(**body.filter.model_dump())
    async with runtime.uow() as uow:
        try:
            segment, count = await crm.add_custom_segment(uow, creator_id, body.name, f, user_id)
        except SegmentNameTaken:
            raise ApiError(409, f"a segment named {body.name!r} exists", "conflict") from None
        except crm.TooManySegments:
            raise ApiError(409, f"at most {MAX_CUSTOM_SEGMENTS} custom segments", "conflict") from None
        await uow.commit()
    return SegmentOut(
        segment=segment.key,
        segment_id=segment.id,
        name=segment.name,
        kind="custom",
        count=count,
        filter=body.filter,
        created_at=segment.created_at,
    )


@router.delete(
    "/{segment_id}",
    status_code=204,
    summary="Delete a custom segment (its members leave it)",
    responses={404: {"description": "No such custom segment for this creator."}},
)
async def delete_segment(segment_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> Response:
    async with runtime.uow() as uow:
        if not await crm.delete_custom_segment(uow, creator_id, segment_id):
            raise not_found("segment")
        await uow.commit()
    return Response(status_code=204)
