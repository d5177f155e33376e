"""Content, inbox and fans events as their producers emit them, for the media ROI tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_events import (
    Envelope,
    FanErased,
    FanSegmentChanged,
    MediaUpdated,
    MediaUploaded,
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    make_envelope,
)

from .events import CREATOR, fan, transaction


def uploaded(media_id: uuid.UUID, title: str, *, tags: tuple[str, ...] = (), creator: uuid.UUID = CREATOR) -> Any:
    return make_envelope(
        MediaUploaded(
            media_id=media_id,
            kind="photo",
            content_type="image/jpeg",
            size_bytes=1000,
            sha256="0" * 64,
            title=title,
            tags=list(tags),
            uploaded_at=datetime(2026, 10, 1, tzinfo=UTC),
        ),
        producer="content",
        creator_id=creator,
    )


def updated(media_id: uuid.UUID, revision: int, title: str, *, deleted: bool = False, kind: str = "video") -> Any:
    return make_envelope(
        MediaUpdated(media_id=media_id, revision=revision, kind=kind, title=title, tags=["edited"], deleted=deleted),  # type: ignore[arg-type]
        producer="content",
        creator_id=CREATOR,
    )


def offered(
    external: str,
    media: list[uuid.UUID],
    price: int,
    at: datetime,
    *,
    currency: str = "USD",
    creator: uuid.UUID = CREATOR,
) -> Envelope[Any]:
    return make_envelope(
        PpvOffered(
            offer_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=fan(external, creator=creator).fan_id,
            text="new set",
            price_cents=price,
            currency=currency,
            media_ids=media,
            by=OfferBy(user_id=uuid.uuid4()),
            sent_at=at,
            expires_at=at + timedelta(days=3),
        ),
        producer="inbox",
        creator_id=creator,
        occurred_at=at,
    )


def sold(offer: Envelope[Any], at: datetime, *, gross: int | None = None) -> tuple[Envelope[Any], Envelope[Any]]:
    """The unlock's transaction.recorded (a ``message`` naming the offer) and the inbox's ppv.unlocked."""
    p = offer.payload
    gross = p.price_cents if gross is None else gross
    external = [e for e in _externals if fan(e, creator=offer.creator_id).fan_id == p.fan_id][0]
    sale = transaction(
        external, "message", gross, at, currency=p.currency, creator=offer.creator_id, ref=("message", str(p.offer_id))
    )
    s = sale.payload
    unlock = make_envelope(
        PpvUnlocked(
            offer_id=p.offer_id,
            conversation_id=p.conversation_id,
            fan_id=p.fan_id,
            transaction_id=s.transaction_id,
            price_cents=p.price_cents,
            gross_cents=s.gross_cents,
            net_cents=s.net_cents,
            currency=p.currency,
            media_ids=p.media_ids,
            by=p.by,
            offered_at=p.sent_at,
            unlocked_at=at,
        ),
        producer="inbox",
        creator_id=offer.creator_id,
        occurred_at=at,
    )
    return sale, unlock


def refunded(offer: Envelope[Any], gross: int, at: datetime, type_: str = "refund") -> Envelope[Any]:
    p = offer.payload
    external = [e for e in _externals if fan(e, creator=offer.creator_id).fan_id == p.fan_id][0]
    return transaction(
        external, type_, -gross, at, currency=p.currency, creator=offer.creator_id, ref=("message", str(p.offer_id))
    )


def segment(external: str, name: str, change: str, at: datetime, *, creator: uuid.UUID = CREATOR) -> Envelope[Any]:
    return make_envelope(
        FanSegmentChanged(
            fan_id=fan(external, creator=creator).fan_id,
            segment=name,
            change=change,  # type: ignore[arg-type]
            segment_name=name.title(),
            at=at,
        ),
        producer="fans",
        creator_id=creator,
        occurred_at=at,
    )


def erased(external: str, at: datetime) -> Envelope[Any]:
    return make_envelope(
        FanErased(fan_id=fan(external).fan_id, creator_id=CREATOR, erased_at=at, requested_by=uuid.uuid4()),
        producer="fans",
        creator_id=CREATOR,
        occurred_at=at,
    )


_externals = ("ann", "bob", "cat", "dan", "eve")
"""The fans these tests use (their ids are derived from the external id)."""
