"""Events produced by the gateway about an organisation's staff (shift aggregate: key = shift_id).

A shift covers one or more creator accounts; the gateway produces one event per creator account it
covers (the envelope's tenant), so every consumer stays scoped to one creator like every other event.
"""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event


@event("shift.scheduled", version=1, producer="gateway", key="shift_id")
class ShiftScheduled(EventPayload):
    """A member was put on duty for this creator account from ``starts_at`` to ``ends_at``.

    Consumers: analytics (hours on shift, revenue per hour on shift), later content (calendar) and
    ai (whale routing, unanswered fans on shift)."""

    shift_id: uuid.UUID
    organization_id: uuid.UUID
    user_id: uuid.UUID = Field(description="The member on duty.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    creator_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=200, description="Every creator account the shift covers (this one among them)."
    )
    scheduled_by: uuid.UUID


@event("shift.cancelled", version=1, producer="gateway", key="shift_id")
class ShiftCancelled(EventPayload):
    """A shift was deleted: it no longer counts, even if its time had already passed."""

    shift_id: uuid.UUID
    organization_id: uuid.UUID
    user_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    cancelled_by: uuid.UUID
