"""What the chatters' read models keep of the events (one row each, written idempotently)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from .attribution import Reply


@dataclass(frozen=True)
class ReplyRecord:
    """A reply a person approved (``reply.sent`` with ``approved_by``)."""

    creator_id: uuid.UUID
    message_id: uuid.UUID
    fan_id: uuid.UUID
    chatter_id: uuid.UUID
    shift_id: uuid.UUID | None
    sent_at: datetime
    answered_received_at: datetime | None

    def reply(self) -> Reply:
        return Reply(self.message_id, self.fan_id, self.chatter_id, self.shift_id, self.sent_at)


@dataclass(frozen=True)
class OfferRecord:
    """A paid message that left (``ppv.offered``), unlocked or not yet (``ppv.unlocked``)."""

    creator_id: uuid.UUID
    offer_id: uuid.UUID
    fan_id: uuid.UUID
    chatter_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    mass_message_id: uuid.UUID | None
    price_cents: int
    currency: str
    sent_at: datetime
    unlocked_at: datetime | None = None


@dataclass(frozen=True)
class ShiftRecord:
    """A shift on one creator account (``shift.scheduled``, ``shift.cancelled``)."""

    creator_id: uuid.UUID
    shift_id: uuid.UUID
    user_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class LedgerTotal:
    currency: str
    lines: int
    gross_cents: int
    net_cents: int
