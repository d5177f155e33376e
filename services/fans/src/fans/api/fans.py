"""``/v1/fans``: the CRM — fan lists with filters, profiles with spend and scores, notes, tags,
preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from huntaze_events import utcnow
from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, not_found
from huntaze_service.pagination import Cursor, Limit, decode_cursor, encode_cursor

from ..crm import MAX_NOTE_CHARS, MAX_TAGS, FanSort, Note
from ..handlers import crm
from ..scoring import FanHistory, score
from ..segments import BUILTIN, FanFilter

router = APIRouter(prefix="/v1/fans", tags=["fans"])

TAG_PATTERN = r"^[\w][\w .:+-]{0,39}$"
PREFERENCE_KEY = r"^[a-z][a-z0-9_]{0,39}$"


class SubscriptionOut(BaseModel):
    status: Literal["none", "active", "expired"]
    started_at: datetime | None
    first_started_at: datetime | None
    expires_at: datetime | None
    expired_at: datetime | None
    auto_renew: bool | None
    price_cents: int | None
    currency: str | None
    via: dict[str, Any] | None


class SpendOut(BaseModel):
    gross_cents: int
    net_cents: int
    purchases: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None


class CrmFanOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    last_active_at: datetime | None
    spend: SpendOut
    subscription: SubscriptionOut
    segments: list[str]
    tags: list[str]
    preferences: dict[str, str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> CrmFanOut:
        return cls(
            fan_id=row["fan_id"],
            external_id=row["external_id"],
            display_name=row["display_name"],
            first_message_at=row["first_message_at"],
            last_message_at=row["last_message_at"],
            message_count=row["message_count"],
            last_active_at=row["last_active_at"],
            spend=SpendOut(
                gross_cents=row["gross_cents"],
                net_cents=row["net_cents"],
                purchases=row["purchases"],
                first_purchase_at=row["first_purchase_at"],
                last_purchase_at=row["last_purchase_at"],
            ),
            subscription=SubscriptionOut(
                status=row["sub_status"],
                started_at=row["sub_started_at"],
                first_started_at=row["sub_first_started_at"],
                expires_at=row["sub_expires_at"],
                expired_at=row["sub_expired_at"],
                auto_renew=row["sub_auto_renew"],
                price_cents=row["sub_price_cents"],
                currency=row["sub_currency"],
                via=row["sub_via"],
            ),
            segments=sorted(row["segments"]),
            tags=list(row["tags"]),
            preferences=dict(row["preferences"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class TypeSpendOut(BaseModel):
    type: str
    currency: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    count: int


class TransactionOut(BaseModel):
    transaction_id: uuid.UUID
    type: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    source: str
    external_id: str | None
    ref_kind: str | None
    ref_id: str | None


class NoteOut(BaseModel):
    note_id: uuid.UUID
    text: str
    author_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls(note_id=note.id, text=note.text, author_id=note.author_id, created_at=note.created_at)


class ScoreOut(BaseModel):
    churn_risk: float = Field(description="0–1: probability the fan stops paying within 30 days.")
    value_90d_cents: int = Field(description="Expected net spend over the next 90 days.")
    p_alive: float
    drivers: list[str]


class FanProfileOut(CrmFanOut):
    spend_by_type: list[TypeSpendOut]
    latest_transactions: list[TransactionOut]
    notes: list[NoteOut]
    score: ScoreOut


class FanPage(BaseModel):
    items: list[CrmFanOut]
    next_cursor: str | None


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
    q: Annotated[str | None, Query(max_length=100, description="Search name or OnlyFans id")] = None,
    segment: Annotated[str | None, Query(max_length=80, description="Built-in segment or custom segment id")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
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


@router.get("/{fan_id}", response_model=FanProfileOut, summary="A fan's profile: spend, subscription, notes, score")
async def get_fan(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> FanProfileOut:
    return await _profile(runtime, creator_id, fan_id)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: StrictStr = Field(min_length=1, max_length=MAX_NOTE_CHARS)


@router.post("/{fan_id}/notes", status_code=201, response_model=NoteOut, summary="Add a note (author and time kept)")
async def add_note(
    fan_id: uuid.UUID, body: NoteIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> NoteOut:
    async with runtime.uow() as uow:
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


@router.put("/{fan_id}/tags", response_model=TagsOut, summary="Replace the fan's tags")
async def put_tags(fan_id: uuid.UUID, body: TagsIn, runtime: RuntimeDep, creator_id: CreatorId) -> TagsOut:
    async with runtime.uow() as uow:
        fan = await crm.set_tags(uow, creator_id, fan_id, [t.strip() for t in body.tags])
        if fan is None:
            raise not_found("fan")
        await uow.commit()
    return TagsOut(tags=fan.tags, segments=sorted(fan.segments))


class FanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: dict[str, Annotated[StrictStr, Field(max_length=200)] | None] = Field(
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


@router.patch("/{fan_id}", response_model=FanProfileOut, summary="Change the fan's preferences")
async def patch_fan(fan_id: uuid.UUID, body: FanPatch, runtime: RuntimeDep, creator_id: CreatorId) -> FanProfileOut:
    async with runtime.uow() as uow:
        if not await crm.set_preferences(uow, creator_id, fan_id, body.preferences):
            raise not_found("fan")
        await uow.commit()
    return await _profile(runtime, creator_id, fan_id)
