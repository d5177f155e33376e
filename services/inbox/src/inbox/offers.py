"""Paid messages (PPV) one to one: their terms, their lifecycle and what they earned (pure rules).

An offer is written and approved by a person in one step (the person who writes it is the person
who approves it), then leaves through the same outbound connector as replies. The connector reports
an unlock as a ``message`` transaction whose ``ref`` is the offer's id; refunds and chargebacks of
that unlock name it too, so the offer's revenue is the exact sum of its transactions.

    approved ──connector took it──▶ sent ──unlock──▶ unlocked
        │                             │
        └──refused / kept failing──▶ failed        └──not unlocked in time──▶ expired ──late unlock──▶ unlocked
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

OFFER_CURRENCY = "USD"
"""OnlyFans prices everything in US dollars."""
MAX_MEDIA = 50


class OfferStatus(StrEnum):
    APPROVED = "approved"
    """Approved by a person; being handed to the connector."""
    SENT = "sent"
    """The fan has it, locked."""
    UNLOCKED = "unlocked"
    """The fan paid for it."""
    EXPIRED = "expired"
    """Not unlocked within the offer window (a late unlock still counts)."""
    FAILED = "failed"
    """The connector refused it or kept failing: never reached the fan."""


@dataclass(frozen=True)
class PriceRange:
    """What OnlyFans accepts as the price of a paid message, in cents."""

    min_cents: int
    max_cents: int

    def check(self, price_cents: int) -> None:
        if not self.min_cents <= price_cents <= self.max_cents:
            raise PriceOutOfRange(price_cents, self)


class PriceOutOfRange(ValueError):
    def __init__(self, price_cents: int, allowed: PriceRange) -> None:
        super().__init__(
            f"price_cents {price_cents} is outside what OnlyFans accepts for a paid message "
            f"({allowed.min_cents}–{allowed.max_cents} cents)"
        )


def clean_media_ids(media_ids: list[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    """At least one medium, at most :data:`MAX_MEDIA`, none twice (order kept)."""
    if not media_ids:
        raise ValueError("an offer needs at least one media id")
    if len(media_ids) > MAX_MEDIA:
        raise ValueError(f"an offer holds at most {MAX_MEDIA} media")
    if len(set(media_ids)) != len(media_ids):
        raise ValueError("a media id appears twice")
    return tuple(media_ids)


@dataclass
class Offer:
    id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    text: str
    price_cents: int
    currency: str
    media_ids: tuple[uuid.UUID, ...]
    status: OfferStatus
    created_at: datetime
    created_by: uuid.UUID | None
    """The person who wrote and approved it (None when an automation sent it)."""
    shift_id: uuid.UUID | None = None
    automation: str | None = None
    mass_message_id: uuid.UUID | None = None
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    message_id: uuid.UUID | None = None
    delivery: str | None = None
    send_error: str | None = None
    unlocked_at: datetime | None = None
    unlock_transaction_id: uuid.UUID | None = None
    gross_cents: int = 0
    """Sum of every transaction naming this offer: the unlock, less its refunds and chargebacks."""
    net_cents: int = 0
    transactions: int = 0

    @property
    def handed_over(self) -> bool:
        return self.sent_at is not None

    def mark_sent(self, *, at: datetime, expires_at: datetime, message_id: uuid.UUID, delivery: str) -> None:
        """The connector took it. An unlock reported before this was recorded keeps its status."""
        self.sent_at = at
        self.expires_at = expires_at
        self.message_id = message_id
        self.delivery = delivery
        self.send_error = None
        if self.status in (OfferStatus.APPROVED, OfferStatus.FAILED):
            self.status = OfferStatus.SENT

    def add_transaction(
        self, *, transaction_id: uuid.UUID, gross_cents: int, net_cents: int, reversal: bool, at: datetime
    ) -> bool:
        """Counts one transaction naming this offer; True when it is the unlock (the first sale)."""
        self.gross_cents += gross_cents
        self.net_cents += net_cents
        self.transactions += 1
        if reversal or self.unlocked_at is not None:
            return False
        self.unlocked_at = at
        self.unlock_transaction_id = transaction_id
        self.status = OfferStatus.UNLOCKED
        return True

    def expire(self) -> bool:
        """Past the offer window without an unlock: True when that changed its status."""
        if self.status is not OfferStatus.SENT:
            return False
        self.status = OfferStatus.EXPIRED
        return True


@dataclass(frozen=True)
class MediaHistory:
    """What one medium did with one fan: offered how many times, and whether the fan bought it."""

    media_id: uuid.UUID
    sent: int = 0
    first_sent_at: datetime | None = None
    bought_at: datetime | None = None
    offers: tuple[uuid.UUID, ...] = field(default=())


def media_history(offers: list[Offer]) -> list[MediaHistory]:
    """Per medium, from a fan's offers: how often it reached the fan and when they bought it (the
    first unlock of any offer holding it). Offers that never reached the fan are not history."""
    seen: dict[uuid.UUID, MediaHistory] = {}
    for offer in sorted((o for o in offers if o.handed_over), key=lambda o: o.sent_at or o.created_at):
        for media_id in offer.media_ids:
            was = seen.get(media_id, MediaHistory(media_id))
            bought = was.bought_at
            if offer.unlocked_at is not None and (bought is None or offer.unlocked_at < bought):
                bought = offer.unlocked_at
            seen[media_id] = MediaHistory(
                media_id,
                sent=was.sent + 1,
                first_sent_at=was.first_sent_at or offer.sent_at,
                bought_at=bought,
                offers=(*was.offers, offer.id),
            )
    return list(seen.values())


class SendOffer(BaseModel):
    """The ``send_offer`` external call: the offer as stored in the inbox's own database."""

    model_config = ConfigDict(frozen=True)

    offer_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    fan_external_id: str
    text: str
    price_cents: int
    currency: str
    media_ids: tuple[uuid.UUID, ...]
