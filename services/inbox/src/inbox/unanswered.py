"""Unanswered fans (pure rules): a chatter on shift who leaves fans waiting longer than the threshold
raises ``reply.overdue``.

- A conversation *waits* from the fan's first message after the last answer (a reply approved, a paid
  offer made) until the next answer. Later messages of the same wait change nothing: the fan has
  waited since the first one.
- When a wait starts, a durable timer is set for ``since + threshold`` (one per conversation, dropped
  when the conversation is answered).
- When one fires, the creator's account is checked as a whole: every wait that crossed the
  threshold and was not alerted yet goes into one alert, if somebody is on shift now. An alert is
  claimed at most once per cool-down (the threshold) per creator account: two hundred fans writing
  in the same minute make one alert, not two hundred. A check inside the cool-down moves itself to
  its end.
- With nobody on shift there is no one to alert (the whale notice already told the team about
  whales); the waits stay as they are and the check moves to the next shift's start plus the
  threshold: the chatter starting it gets the same time to answer as anyone else.

The rules take ``now`` and the figures as arguments: no clock, no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from .whales import Shift

UNANSWERED_AFTER = timedelta(minutes=15)
"""The default threshold (INBOX_UNANSWERED_AFTER_S)."""
LISTED = 50
"""Conversations named in one alert (``waiting`` counts them all)."""


@dataclass(frozen=True)
class Wait:
    """A conversation waiting for an answer, as the check reads it."""

    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    since: datetime
    priority: bool
    assigned_user_id: uuid.UUID | None


@dataclass(frozen=True)
class Next:
    """What a check that alerts nobody does: wait until ``at`` (None: until the next message)."""

    at: datetime | None
    why: str


def cool_down_ends(last_alert_at: datetime | None, threshold: timedelta, now: datetime) -> datetime | None:
    """When the creator account may be alerted again, if not now."""
    if last_alert_at is None or now >= last_alert_at + threshold:
        return None
    return last_alert_at + threshold


def next_check(next_shift_start: datetime | None, threshold: timedelta) -> Next:
    """Nobody is on shift: look again when the next shift has had the threshold to answer."""
    if next_shift_start is None:
        return Next(None, "nobody_on_shift_nor_planned")
    return Next(next_shift_start + threshold, "nobody_on_shift")


def on_shift(duty: dict[uuid.UUID, Shift]) -> list[Shift]:
    """The people on shift, in a stable order (shift start, then user id), at most ``LISTED``."""
    return sorted(duty.values(), key=lambda s: (s.starts_at, str(s.user_id)))[:LISTED]


class UnansweredRepository(Protocol):
    async def start_wait(
        self, creator_id: uuid.UUID, conversation_id: uuid.UUID, fan_id: uuid.UUID, since: datetime
    ) -> bool:
        """Starts a wait unless one is running (False then: nothing written)."""
        ...

    async def end_wait(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        """The conversation was answered: its running wait ends (False when there was none)."""
        ...

    async def claim_alert_slot(self, creator_id: uuid.UUID) -> datetime | None:
        """Locks the creator account's alert row (made on first use) for this transaction; returns
        when it was last alerted."""
        ...

    async def claim_overdue(self, creator_id: uuid.UUID, cutoff: datetime, at: datetime) -> list[Wait]:
        """Marks alerted, and returns oldest first, every running wait of the creator that started at
        or before ``cutoff`` and was not alerted yet (with its priority mark)."""
        ...

    async def any_overdue(self, creator_id: uuid.UUID, cutoff: datetime) -> bool: ...

    async def alerted(self, creator_id: uuid.UUID, at: datetime) -> None:
        """Records the alert's time (the cool-down's start)."""
        ...

    async def next_shift_start(self, creator_id: uuid.UUID, after: datetime) -> datetime | None:
        """The start of the creator account's next shift (not cancelled) after ``after``."""
        ...

    async def shifts_on_duty(self, creator_id: uuid.UUID, now: datetime) -> list[Shift]: ...


def listed(waits: Sequence[Wait]) -> list[Wait]:
    return sorted(waits, key=lambda w: (w.since, str(w.conversation_id)))[:LISTED]
