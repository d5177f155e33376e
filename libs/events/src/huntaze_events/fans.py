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
