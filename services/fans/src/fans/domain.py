"""Rules of the fan profile (pure)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import Envelope, MessageReceived


@dataclass
class Fan:
    """A fan's profile, as the fans service keeps it."""

    id: uuid.UUID
    creator_id: uuid.UUID
    external_id: str
    display_name: str
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    created_at: datetime
    updated_at: datetime


class FanOfAnotherCreator(Exception):
    """A fan id arrived under a creator it does not belong to (fan ids never move between tenants)."""


@dataclass
class ActivityDelta:
    """What one batch of messages changes on one fan's profile."""

    fan_id: uuid.UUID
    creator_id: uuid.UUID
    external_id: str
    display_name: str
    first_message_at: datetime
    last_message_at: datetime
    message_count: int
    latest: Envelope[MessageReceived]
    """The most recent message of the batch: the cause of the profile update."""


def fold_messages(events: list[Envelope[MessageReceived]]) -> list[ActivityDelta]:
    """Folds a batch of messages into one delta per fan (set-based update, one event per fan).

    The display name is the one on the fan's most recent message."""
    deltas: dict[uuid.UUID, ActivityDelta] = {}
    for event in events:
        message = event.payload
        fan = message.fan
        delta = deltas.get(fan.fan_id)
        if delta is None:
            deltas[fan.fan_id] = ActivityDelta(
                fan_id=fan.fan_id,
                creator_id=event.creator_id,
                external_id=fan.external_id,
                display_name=fan.display_name,
                first_message_at=message.sent_at,
                last_message_at=message.sent_at,
                message_count=1,
                latest=event,
            )
            continue
        if delta.creator_id != event.creator_id:
            raise ValueError(f"fan {fan.fan_id} appears under two creators")
        delta.message_count += 1
        delta.first_message_at = min(delta.first_message_at, message.sent_at)
        if message.sent_at >= delta.last_message_at:
            delta.last_message_at = message.sent_at
            delta.display_name = fan.display_name
            delta.latest = event
    return list(deltas.values())
