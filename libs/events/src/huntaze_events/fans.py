"""Events produced by the fans service (fan aggregate: key = fan_id)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field, NonNegativeInt

from .envelope import EventPayload
from .registry import event


@event("fan.profile_updated", version=1, producer="fans", key="fan_id")
class FanProfileUpdated(EventPayload):
    """A fan's profile changed; carries the whole profile as it now is (state transfer)."""

    fan_id: uuid.UUID
    external_id: str = Field(max_length=128)
    display_name: str = Field(max_length=100)
    first_message_at: AwareDatetime | None
    last_message_at: AwareDatetime | None
    message_count: NonNegativeInt


@event("fan.segment_changed", version=1, producer="fans", key="fan_id")
class FanSegmentChanged(EventPayload):
    """A fan entered or left a segment: a built-in one (`whales`, `new`, `expiring`, `lapsed`,
    `never_spent`) or one the creator defined (`custom:<segment id>`). The inbox targets mass
    messages with it."""

    fan_id: uuid.UUID
    segment: str = Field(max_length=64)
    change: Literal["entered", "left"]
    segment_name: str = Field(max_length=100, description="Display name (the built-in id, or the custom name).")
    at: AwareDatetime = Field(description="When membership changed (an event, or time passing).")


@event("fan.erased", version=1, producer="fans", key="fan_id")
class FanErased(EventPayload):
    """A fan's personal data was erased at the creator's request (right to erasure): every service
    that holds personal data of this fan deletes or anonymises it, and keeps storing none for this
    fan afterwards. Money stays: transactions keep their amounts under the fan id, so revenue totals,
    counts and segment sizes do not move.

    Produced once per fan (a second request changes nothing and emits nothing). The fan id stays as
    a pseudonym: it is what later events about the same fan carry, so each service can recognise them.
    """

    fan_id: uuid.UUID
    creator_id: uuid.UUID = Field(
        description="The creator account (the envelope's tenant), so the payload stands alone."
    )
    erased_at: AwareDatetime = Field(description="When the fans service erased the fan (UTC).")
    requested_by: uuid.UUID = Field(description="The user (owner or manager) who asked for the erasure.")
