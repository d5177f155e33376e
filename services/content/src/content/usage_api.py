"""HTTP API of the usage history (through the gateway, whose internal token names the creator): a
medium's history, and a fan's sent/bought flags for some media — the chatter's view before offering
a bundle. The vault's own routes show the same through :class:`MediaUsageOut` and
:func:`content.usage_handlers.fan_flags`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep

from . import usage_handlers as handlers
from .usage import (
    MAX_FLAG_MEDIA,
    Flag,
    MassMessageUsage,
    MediaUsage,
    Money,
    OfferStats,
    PostFacts,
    UnknownFan,
    UnknownMedia,
)

router = APIRouter(prefix="/v1/content", tags=["content usage"])
NOT_FOUND = {"description": "No medium with this id for this creator (never used, not in the vault)."}


class MoneyOut(BaseModel):
    currency: str
    gross_cents: int = Field(description="What fans paid, refunds and chargebacks subtracted (minor units).")
    net_cents: int = Field(description="What the creator earns of it (minor units).")

    @classmethod
    def of(cls, m: Money) -> MoneyOut:
        return cls(currency=m.currency, gross_cents=m.gross_cents, net_cents=m.net_cents)


class PriceOut(BaseModel):
    price_cents: int
    currency: str
    sent: int
    bought: int
    unlock_rate: float | None


class OffersOut(BaseModel):
    sent: int = Field(description="Paid offers (one to one, or deliveries of a mass message) that held it.")
    bought: int = Field(description="Of those, unlocked by their fan.")
    refunded: int = Field(description="Of those bought, fully refunded or charged back.")
    unlock_rate: float | None = Field(description="bought ÷ sent (None: never offered).")
    revenue: list[MoneyOut] = Field(description="Per currency; a bundle's revenue counts for each of its media.")
    by_price: list[PriceOut]

    @classmethod
    def of(cls, s: OfferStats) -> OffersOut:
        return cls(
            sent=s.sent,
            bought=s.bought,
            refunded=s.refunded,
            unlock_rate=s.unlock_rate,
            revenue=[MoneyOut.of(m) for m in s.revenue],
            by_price=[PriceOut(**vars(p)) for p in s.by_price],
        )


class MassMessageOut(BaseModel):
    mass_message_id: uuid.UUID
    status: str = Field(description="`done`, `cancelled`, or `sending` (its deliveries seen, not its end).")
    at: datetime = Field(description="When it started sending.")
    finished_at: datetime | None
    recipients: int | None
    delivered: int | None = Field(description="Deliveries sent (`massmessage.sent`'s `sent`).")
    failed: int | None
    skipped: int | None
    cancelled: int | None
    price_cents: int | None
    currency: str | None
    offers: OffersOut = Field(description="Its paid deliveries of this medium and what they earned.")

    @classmethod
    def of(cls, m: MassMessageUsage) -> MassMessageOut:
        f = m.facts
        return cls(
            mass_message_id=m.mass_message_id,
            status=m.status,
            at=m.at,
            finished_at=f and f.finished_at,
            recipients=f and f.recipients,
            delivered=f and f.sent,
            failed=f and f.failed,
            skipped=f and f.skipped,
            cancelled=f and f.cancelled,
            price_cents=f.price_cents if f else None,
            currency=f.currency if f else None,
            offers=OffersOut.of(m.offers),
        )


class PostOut(BaseModel):
    post_id: uuid.UUID
    account_id: uuid.UUID
    network: str
    network_post_id: str
    published_at: datetime

    @classmethod
    def of(cls, p: PostFacts) -> PostOut:
        return cls(**vars(p))


class MediaUsageOut(BaseModel):
    media_id: uuid.UUID
    offers: OffersOut
    mass_messages: list[MassMessageOut] = Field(description="Newest first (at most 100).")
    mass_message_count: int
    posts: list[PostOut] = Field(description="Newest first (at most 100).")
    post_count: int
    first_used_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, u: MediaUsage) -> MediaUsageOut:
        return cls(
            media_id=u.media_id,
            offers=OffersOut.of(u.offers),
            mass_messages=[MassMessageOut.of(m) for m in u.mass_messages],
            mass_message_count=u.mass_message_count,
            posts=[PostOut.of(p) for p in u.posts],
            post_count=u.post_count,
            first_used_at=u.first_used_at,
            last_used_at=u.last_used_at,
        )


@router.get("/media/{media_id}/usage", response_model=MediaUsageOut, responses={404: NOT_FOUND})
async def media_usage(media_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> MediaUsageOut:
    """Which offers, mass messages and posts used the medium, how many fans bought it, what it earned."""
    async with runtime.uow() as uow:
        try:
            return MediaUsageOut.of(await handlers.usage_of(uow, creator_id, media_id))
        except UnknownMedia:
            raise ApiError(404, "no medium with this id", "not_found") from None


class FlagOut(BaseModel):
    media_id: uuid.UUID
    flag: Flag | None = Field(description="`bought`, `sent`, or null: never offered to this fan.")


class FlagsOut(BaseModel):
    fan_id: uuid.UUID
    media: list[FlagOut] = Field(description="One per media id asked, in the order asked.")


MediaIds = Annotated[
    list[uuid.UUID],
    Query(alias="media_id", max_length=MAX_FLAG_MEDIA, description="Repeat for each medium (1 to 200)."),
]


@router.get("/fans/{fan_id}/media-flags", response_model=FlagsOut, responses={404: {"description": "No such fan."}})
async def media_flags(
    fan_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    media_ids: MediaIds = [],  # noqa: B006
) -> FlagsOut:
    """What the fan already has of these media: `bought`, `sent` (offered, not bought), or null."""
    async with runtime.uow() as uow:
        try:
            found = await handlers.fan_flags(uow, creator_id, fan_id, media_ids)
        except UnknownFan:
            raise ApiError(404, "no fan with this id", "not_found") from None
        except ValueError as exc:
            raise ApiError(422, str(exc), "bad_media_ids") from None
    return FlagsOut(fan_id=fan_id, media=[FlagOut(media_id=m, flag=found.get(m)) for m in dict.fromkeys(media_ids)])
