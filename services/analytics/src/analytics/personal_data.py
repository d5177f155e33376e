"""``GET /v1/analytics/fans/{fan_id}/personal-data``: everything analytics holds about one fan — its
part of the fan's export, which the gateway merges with the other services' (owners and managers,
audited). A fan it never heard of, or another creator's, answers an empty document. What erasure
removes (the name) and keeps (the money, pseudonymous): :mod:`.erasure`."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep

from . import erasure

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


class FanNameOut(BaseModel):
    external_id: str = Field(description="The fan's OnlyFans id, as the latest revenue event gave it.")
    display_name: str
    seen_at: datetime


class FactOut(BaseModel):
    transaction_id: uuid.UUID
    type: str
    line: str = Field(description="The revenue line it counts in (`subscriptions`, `messages`, `posts`, `tips`, ...).")
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime


class SubscriptionPeriodOut(BaseModel):
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class SegmentChangeOut(BaseModel):
    segment: str
    name: str
    change: str = Field(description="`entered` or `left`.")
    at: datetime


class AnalyticsPersonalDataOut(BaseModel):
    """Everything analytics holds about one fan."""

    fan_id: uuid.UUID
    erased_at: datetime | None = Field(description="When analytics erased the fan's name (fan.erased), or null.")
    name: FanNameOut | None = Field(description="Null once erased (or never known).")
    transactions: list[FactOut] = Field(description="Every sale, refund and chargeback counted for the fan, by time.")
    subscriptions: list[SubscriptionPeriodOut]
    segments: list[SegmentChangeOut] = Field(
        default_factory=list,
        description="The fan's segment history (media ROI: to whom offers sold); gone once erased.",
    )


@router.get(
    "/fans/{fan_id}/personal-data",
    response_model=AnalyticsPersonalDataOut,
    responses={404: {"description": "this service holds nothing about the fan (unknown, or another creator's)"}},
    summary="Everything analytics holds about one fan (its part of the fan's export)",
)
async def personal_data(fan_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> AnalyticsPersonalDataOut:
    async with runtime.uow() as uow:
        found = await erasure.personal_data(uow, creator_id, fan_id)
    if not (found.erased_at or found.name or found.transactions or found.subscriptions or found.segment_changes):
        raise ApiError(404, "analytics holds nothing about this fan")  # unknown, or another creator's
    name = found.name
    return AnalyticsPersonalDataOut(
        fan_id=found.fan_id,
        erased_at=found.erased_at,
        name=None
        if name is None
        else FanNameOut(external_id=name.external_id, display_name=name.display_name, seen_at=name.seen_at),
        transactions=[
            FactOut(
                transaction_id=f.transaction_id,
                type=f.type,
                line=f.line,
                gross_cents=f.gross_cents,
                fee_cents=f.fee_cents,
                net_cents=f.net_cents,
                currency=f.currency,
                occurred_at=f.occurred_at,
            )
            for f in found.transactions
        ],
        subscriptions=[
            SubscriptionPeriodOut(started_at=p.started_at, expires_at=p.expires_at, ended_at=p.ended_at)
            for p in found.subscriptions
        ],
        segments=[
            SegmentChangeOut(segment=c.segment, name=c.name, change=c.change, at=c.at) for c in found.segment_changes
        ],
    )
