"""``/v1/fans``: the CRM — fan lists with filters, profiles with spend and scores, notes, tags,
preferences."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from huntaze_events import utcnow
from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, UserId, not_found
from huntaze_service.pagination import Cursor, Limit, decode_cursor, encode_cursor

from ..crm import MAX_NOTE_CHARS, MAX_TAGS, FanSort
from ..erasure import FanIsErased
from ..handlers import crm
from ..scoring import FanHistory, score
from ..segments import BUILTIN, FanFilter
from .models import CrmFanOut, FanPage, FanProfileOut, NoteOut, ScoreOut, TransactionOut, TypeSpendOut

router = APIRouter(prefix="/v1/fans", tags=["fans"])

TAG_PATTERN = r"^[\w][\w .:+-]{0,39}$"
PREFERENCE_KEY = r"^[a-z][a-z0-9_]{0,39}$"


def _score(row: dict[str, Any]) -> ScoreOut:
    history = FanHistory(
        purchases=row["purchases"],
        first_purchase_at=row["first_purchase_at"],
        last_purchase_at=row["last_purchase_at"],
        net_cents=row["net_cents"],
        subscription_status=row["sub_status"],
        expires_at=row["sub_expires_at"],
        auto_renew=row["sub_auto_renew"],
        subscription_price_cents=row["sub_price_cents"],
        last_message_at=row["last_message_at"],
    )
    s = score(history, utcnow())
    return ScoreOut(churn_risk=s.churn_risk, value_90d_cents=s.value_90d_cents, p_alive=s.p_alive, drivers=s.drivers)


NO_FAN: dict[str, Any] = {"description": "No such fan for this creator."}
ERASED: dict[str, Any] = {"description": "The fan's personal data was erased: nothing new is kept about them."}


@asynccontextmanager
async def refused_when_erased() -> AsyncIterator[None]:
    """An erased fan's notes, tags and preferences would be new personal data: 409."""
    try:
        yield
    except FanIsErased as exc:
        raise ApiError(409, str(exc), "fan_erased") from None


def parse_segment(segment: str | None) -> str | None:
    """A built-in name, ``custom:<id>`` or a custom segment's id."""
    if segment is None or segment in BUILTIN:
        return segment
    raw = segment.removeprefix("custom:")
    try:
        return f"custom:{uuid.UUID(raw)}"
    except ValueError:
        raise ApiError(
            422, f"unknown segment {segment!r}: one of {', '.join(BUILTIN)} or a custom segment id"
        ) from None


def _after(sort: FanSort, cursor: str | None) -> tuple[Any, uuid.UUID] | None:
    if not cursor:
        return None
    kind, value, ident = decode_cursor(cursor, 3)
    try:
        if kind != sort:
            raise ValueError
        parsed: Any = int(value) if sort == "spend" else datetime.fromisoformat(value)
        return parsed, uuid.UUID(ident)
    except ValueError:
        raise ApiError(422, "cursor is not valid for this sort; use next_cursor from a previous page") from None


@router.get("", response_model=FanPage, summary="Fans, filtered and sorted, with cursor pagination")
async def list_fans(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Annotated[str | None, Query(max_length=100, description="Search name or OnlyFans id"), NoNul] = None,
    segment: Annotated[
        str | None, Query(max_length=80, description="Built-in segment or custom segment id"), NoNul
    ] = None,
    tag: Annotated[str | None, Query(max_length=40), NoNul] = None,
    min_spend_cents: Annotated[int | None, Query(ge=0, le=10**11)] = None,
    subscription: Literal["active", "expired"] | None = None,
    sort: FanSort = "last_active",
) -> FanPage:
    f = FanFilter(
        segment=parse_segment(segment), tag=tag, q=q, min_spend_cents=min_spend_cents, subscription=subscription
    )
    after = _after(sort, cursor)
    async with runtime.uow() as uow:
        rows = await crm.search_fans(uow, creator_id, f, sort=sort, after=after, limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = encode_cursor(sort, last["sort_value"], last["fan_id"])
    return FanPage(items=[CrmFanOut.of(r) for r in page], next_cursor=next_cursor)


async def _profile(runtime: Any, creator_id: uuid.UUID, fan_id: uuid.UUID) -> FanProfileOut:
    async with runtime.uow() as uow:
        row = await crm.fan_profile(uow, creator_id, fan_id)
    if row is None:
        raise not_found("fan")
    return FanProfileOut(
        **CrmFanOut.of(row).model_dump(),
        spend_by_type=[TypeSpendOut(**r) for r in row["spend_by_type"]],
        latest_transactions=[TransactionOut(**r) for r in row["latest_transactions"]],
        notes=[NoteOut.of(n) for n in row["notes"]],
        score=_score(row),
    )


@router.get(
    "/{fan_id}",
    response_model=FanProfileOut,
    summary="A fan's profile: spend, subscription, notes, score",
    responses={404: NO_FAN},
)
async def get_fan(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> FanProfileOut:
    return await _profile(runtime, creator_id, fan_id)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: Annotated[StrictStr, NoNul] = Field(min_length=1, max_length=MAX_NOTE_CHARS)


@router.post(
    "/{fan_id}/notes",
    status_code=201,
    response_model=NoteOut,
    summary="Add a note (author and time kept)",
    responses={404: NO_FAN, 409: ERASED},
)
async def add_note(
    fan_id: uuid.UUID, body: NoteIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> NoteOut:
    async with runtime.uow() as uow, refused_when_erased():
        note = await crm.add_note(uow, creator_id, fan_id, body.text, user_id)
        if note is None:
            raise not_found("fan")
        await uow.commit()
    return NoteOut.of(note)


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[Annotated[StrictStr, Field(pattern=TAG_PATTERN)]] = Field(max_length=MAX_TAGS)


class TagsOut(BaseModel):
    tags: list[str]
    segments: list[str]


@router.put(
    "/{fan_id}/tags", response_model=TagsOut, summary="Replace the fan's tags", responses={404: NO_FAN, 409: ERASED}
)
async def put_tags(fan_id: uuid.UUID, body: TagsIn, runtime: RuntimeDep, creator_id: CreatorId) -> TagsOut:
    async with runtime.uow() as uow, refused_when_erased():
        fan = await crm.set_tags(uow, creator_id, fan_id, [t.strip() for t in body.tags])
        if fan is None:
            raise not_found("fan")
        await uow.commit()
    return TagsOut(tags=fan.tags, segments=sorted(fan.segments))


class FanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: dict[str, Annotated[StrictStr, Field(max_length=200), NoNul] | None] = Field(
        max_length=50,
        description="Merged into the fan's preferences; null removes a key (e.g. likes, timezone, birthday).",
    )

    @field_validator("preferences")
    @classmethod
    def _keys(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        import re

        bad = [k for k in value if not re.match(PREFERENCE_KEY, k)]
        if bad:
            raise ValueError(f"preference keys are lower_snake_case identifiers: {bad[:3]}")
        return value


@router.patch(
    "/{fan_id}",
    response_model=FanProfileOut,
    summary="Change the fan's preferences",
    responses={404: NO_FAN, 409: ERASED},
)
async def patch_fan(fan_id: uuid.UUID, body: FanPatch, runtime: RuntimeDep, creator_id: CreatorId) -> FanProfileOut:
    async with runtime.uow() as uow, refused_when_erased():
        if not await crm.set_preferences(uow, creator_id, fan_id, body.preferences):
            raise not_found("fan")
        await uow.commit()
    return await _profile(runtime, creator_id, fan_id)
