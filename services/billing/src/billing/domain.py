"""Rules of the billing service (pure). The notes and the fans seen are samples: replace them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import Envelope, FanProfileUpdated

MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class Note:
    """A creator's note (the sample entity the HTTP API writes and reads)."""

    id: uuid.UUID
    creator_id: uuid.UUID
    text: str
    created_at: datetime


def new_note(creator_id: uuid.UUID, text: str, now: datetime) -> Note:
    return Note(id=uuid.uuid4(), creator_id=creator_id, text=text.strip(), created_at=now)


@dataclass(frozen=True)
class FanSeen:
    """A fan as the fans service last described it (the sample read model a consumer keeps)."""

    creator_id: uuid.UUID
    fan_id: uuid.UUID
    display_name: str
    updated_at: datetime
    """When the fans service changed the profile: an older update never overwrites a newer one."""


def fan_seen(event: Envelope[FanProfileUpdated]) -> FanSeen:
    return FanSeen(
        creator_id=event.creator_id,
        fan_id=event.payload.fan_id,
        display_name=event.payload.display_name,
        updated_at=event.occurred_at,
    )
