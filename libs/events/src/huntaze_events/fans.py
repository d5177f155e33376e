"""Events produced by the fans service (fan aggregate: key = fan_id)."""

from __future__ import annotations

import uuid

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
