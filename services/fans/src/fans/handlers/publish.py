"""What every change to a fan ends with: time catches up, segments are evaluated, the review timer
moves, and the events go out — in that order, so one fan's events keep a meaningful order."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from huntaze_events import (
    Envelope,
    FanRef,
    FanSegmentChanged,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    SubscriptionVia,
)
from huntaze_service import UnitOfWork

from ..crm import CreatorSettings
from ..ports import FansRepository
from ..profile import FanState
from ..segments import CustomSegment, evaluate, next_boundary
from ..subscription import Change, on_time

Uow = UnitOfWork[FansRepository]
REVIEW_TIMER = "fan_review"
"""Durable timer per fan, due at the next instant time alone moves it (segments, expiry)."""


def fan_ref(fan: FanState) -> FanRef:
    return FanRef(fan_id=fan.id, external_id=fan.external_id, display_name=fan.display_name[:100])


def emit_subscription(uow: Uow, fan: FanState, change: Change, cause: Envelope[Any] | None = None) -> None:
    after = change.after
    if change.kind == "updated" or after.started_at is None or after.expires_at is None:
        return
    common: dict[str, Any] = {
        "fan_id": fan.id,
        "fan": fan_ref(fan),
        "started_at": after.started_at,
        "expires_at": after.expires_at,
        "auto_renew": bool(after.auto_renew),
        "price_cents": after.price_cents,
        "currency": after.currency or "USD",
    }
    if change.kind == "started":
        via = SubscriptionVia(**after.via) if after.via else None
        uow.emit(SubscriptionStarted(**common, first_time=change.first_time, via=via), cause=cause)
    elif change.kind == "renewed":
        previous = change.before.expires_at or after.expires_at
        uow.emit(SubscriptionRenewed(**common, previous_expires_at=previous), cause=cause)
    else:
        uow.emit(SubscriptionExpired(**common, expired_at=after.expired_at or after.expires_at), cause=cause)


def settle(
    uow: Uow,
    fans: Iterable[FanState],
    settings: CreatorSettings,
    custom: list[CustomSegment],
    now: datetime,
    cause: Envelope[Any] | None = None,
    gone: Sequence[CustomSegment] = (),
) -> None:
    """Brings each fan up to ``now``: an expiry that passed, segment entries and exits, the next review.
    ``gone``: custom segments just deleted, so their members' exits carry the segment's name."""
    names = {c.key: c.name for c in [*gone, *custom]}
    for fan in fans:
        expired = on_time(fan.subscription, now)
        if expired is not None:
            fan.subscription = expired.after
            emit_subscription(uow, fan, expired, cause)
        entered, left = evaluate(fan, now, settings.whale_threshold_cents, custom)
        for change, segments in (("left", left), ("entered", entered)):
            for segment in sorted(segments):
                uow.emit(
                    FanSegmentChanged(
                        fan_id=fan.id,
                        segment=segment,
                        change=change,
                        segment_name=names.get(segment, segment)[:100],
                        at=now,
                    ),
                    cause=cause,
                )
        boundary = next_boundary(fan, now)
        key = str(fan.id)
        if boundary is None:
            uow.cancel(REVIEW_TIMER, key=key)
        else:
            uow.schedule(
                REVIEW_TIMER, key=key, at=boundary, payload={"fan_id": key}, tenant=fan.creator_id, cause=cause
            )


async def context_of(uow: Uow, creator_id: uuid.UUID) -> tuple[CreatorSettings, list[CustomSegment]]:
    return await uow.repo.creator_settings(creator_id), await uow.repo.custom_segments(creator_id)
