"""Inbox and gateway events as their producers emit them, for the chatter ledger's tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from huntaze_events import (
    Envelope,
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    ReplySent,
    ShiftCancelled,
    ShiftScheduled,
    make_envelope,
)

from .events import CREATOR, fan

MEDIA = [uuid.uuid4()]


def reply_sent(
    external: str,
    at: datetime,
    chatter: uuid.UUID | None,
    *,
    shift: uuid.UUID | None = None,
    waited: timedelta | None = None,
    creator: uuid.UUID = CREATOR,
) -> Envelope[Any]:
    """A reply.sent that answers a fan message received ``waited`` before it was sent."""
    return make_envelope(
        ReplySent(
            draft_id=uuid.uuid4(),
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=fan(external, creator=creator).fan_id,
            text="hey",
            sent_at=at,
            delivery="webhook",
            automation=None if chatter else "welcome",
            approved_by=chatter,
            shift_id=shift,
            in_reply_to_message_id=uuid.uuid4() if waited is not None else None,
            in_reply_to_received_at=at - waited if waited is not None else None,
        ),
        producer="inbox",
        creator_id=creator,
        occurred_at=at,
    )


def offered(
    external: str,
    at: datetime,
    chatter: uuid.UUID | None,
    *,
    price: int = 1500,
    shift: uuid.UUID | None = None,
    mass: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    return make_envelope(
        PpvOffered(
            offer_id=offer_id or uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=fan(external).fan_id,
            text="new set",
            price_cents=price,
            currency="USD",
            media_ids=MEDIA,
            by=OfferBy(user_id=chatter, shift_id=shift, automation=None if chatter else "win_back"),
            mass_message_id=mass,
            sent_at=at,
            expires_at=at + timedelta(days=3),
        ),
        producer="inbox",
        creator_id=CREATOR,
        occurred_at=at,
    )


def unlocked(
    offer: Envelope[Any], at: datetime, transaction_id: uuid.UUID, *, gross: int | None = None
) -> Envelope[Any]:
    p = offer.payload
    gross = p.price_cents if gross is None else gross
    return make_envelope(
        PpvUnlocked(
            offer_id=p.offer_id,
            conversation_id=p.conversation_id,
            fan_id=p.fan_id,
            transaction_id=transaction_id,
            price_cents=p.price_cents,
            gross_cents=gross,
            net_cents=gross - int(gross * 0.2),
            currency=p.currency,
            media_ids=p.media_ids,
            by=p.by,
            mass_message_id=p.mass_message_id,
            offered_at=p.sent_at,
            unlocked_at=at,
        ),
        producer="inbox",
        creator_id=CREATOR,
        occurred_at=at,
    )


def shift(user: uuid.UUID, starts: datetime, ends: datetime, *, shift_id: uuid.UUID | None = None) -> Envelope[Any]:
    return make_envelope(
        ShiftScheduled(
            shift_id=shift_id or uuid.uuid4(),
            organization_id=uuid.uuid4(),
            user_id=user,
            starts_at=starts,
            ends_at=ends,
            creator_ids=[CREATOR],
            scheduled_by=user,
        ),
        producer="gateway",
        creator_id=CREATOR,
    )


def shift_cancelled(scheduled: Envelope[Any]) -> Envelope[Any]:
    p = scheduled.payload
    return make_envelope(
        ShiftCancelled(
            shift_id=p.shift_id,
            organization_id=p.organization_id,
            user_id=p.user_id,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
            cancelled_by=p.scheduled_by,
        ),
        producer="gateway",
        creator_id=CREATOR,
    )
