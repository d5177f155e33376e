"""Whale routing (pure rules): when a fan of the ``whales`` segment writes, the conversation becomes
*priority* and is routed to the person on shift best matched to that fan.

Who is matched, in this order, among the people on shift for this creator account right now (a
shift counts from ``starts_at`` included to ``ends_at`` excluded, never once cancelled):

1. ``sold_before`` — someone who sold to this fan: the most net revenue from the fan's unlocks of
   their offers (one to one or in a mass message they wrote; refunds deducted, so a sale refunded
   in full is no sale), then the latest unlock, then the smallest user id;
2. ``buy_rate`` — else the best buy rate: unlocked / sent of the one-to-one offers they sent over
   the last :data:`BUY_RATE_WINDOW`. Mass messages are left out: a mass send's rate says little about
   a person's one-to-one selling and would drown it. Only people with at least :data:`MIN_OFFERS`
   offers in the window, one of them unlocked at least, are ranked (two sales out of two is luck, not
   a rate; no sale at all is no reason to pick someone); ties go to the larger sample, then the
   smallest user id. Rates are compared as exact fractions;
3. ``on_shift`` — else the person on shift whose shift started first (then the smallest user id);
4. ``nobody_on_shift`` — else nobody: the team is told (the notifications service).

A conversation is prioritized once per *episode*: it stays priority until a person answers it (a
reply approved, a paid offer made); the next whale message after that starts a new episode. The
rules take ``now`` and the figures as arguments: no clock, no I/O, the same answer every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal, NamedTuple, Protocol

WHALES = "whales"
"""The fans service's built-in segment (lifetime net spend above the creator's threshold)."""
BUY_RATE_WINDOW = timedelta(days=90)
MIN_OFFERS = 10
"""Offers sent in the window before a person's buy rate is ranked."""
WHALE_REASON = "whale"

MatchedBy = Literal["sold_before", "buy_rate", "on_shift", "nobody_on_shift"]


class Touched(NamedTuple):
    """A fan's conversation as a new message touched it, and whether the fan is in ``whales`` now
    (read by the same statement: no extra round trip on the inbox's hottest write)."""

    conversation_id: uuid.UUID
    whale: bool


@dataclass(frozen=True)
class Shift:
    """A shift on one creator account (``shift.scheduled``; ``shift.cancelled`` sets cancelled_at)."""

    creator_id: uuid.UUID
    shift_id: uuid.UUID
    user_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    cancelled_at: datetime | None = None

    def on_duty(self, now: datetime) -> bool:
        return self.cancelled_at is None and self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class Sold:
    """What one person sold to one fan: net revenue of the fan's unlocks of their offers."""

    user_id: uuid.UUID
    net_cents: int
    last_unlocked_at: datetime


@dataclass(frozen=True)
class Rate:
    """One person's one-to-one offers sent in the window, and how many of them were unlocked."""

    user_id: uuid.UUID
    sent: int
    unlocked: int


@dataclass(frozen=True)
class Route:
    user_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    matched_by: MatchedBy


@dataclass(frozen=True)
class Priority:
    """A conversation's priority mark (one row per conversation, its episodes counted)."""

    conversation_id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    active: bool
    episode: int
    reason: str
    assigned_user_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    matched_by: MatchedBy
    since: datetime
    message_id: uuid.UUID
    answered_at: datetime | None = None


def on_duty(shifts: Sequence[Shift], creator_id: uuid.UUID, now: datetime) -> dict[uuid.UUID, Shift]:
    """Per person on shift for this creator now, the shift that started first (then the smallest id)."""
    duty: dict[uuid.UUID, Shift] = {}
    for s in sorted(shifts, key=lambda s: (s.starts_at, s.shift_id)):
        if s.creator_id == creator_id and s.on_duty(now):
            duty.setdefault(s.user_id, s)
    return duty


def route(
    duty: dict[uuid.UUID, Shift], sold: Sequence[Sold], rates: Sequence[Rate], *, min_offers: int = MIN_OFFERS
) -> Route:
    """The person to route a whale's message to (see the module's docstring for the order)."""
    sellers = [s for s in sold if s.user_id in duty and s.net_cents > 0]
    if sellers:
        best = min(sellers, key=lambda s: (-s.net_cents, -s.last_unlocked_at.timestamp(), str(s.user_id)))
        return Route(best.user_id, duty[best.user_id].shift_id, "sold_before")
    ranked = [r for r in rates if r.user_id in duty and r.sent >= min_offers and r.unlocked > 0]
    if ranked:
        top = min(ranked, key=lambda r: (-Fraction(r.unlocked, r.sent), -r.sent, str(r.user_id)))
        return Route(top.user_id, duty[top.user_id].shift_id, "buy_rate")
    if duty:
        first = min(duty.values(), key=lambda s: (s.starts_at, str(s.user_id)))
        return Route(first.user_id, first.shift_id, "on_shift")
    return Route(None, None, "nobody_on_shift")


class WhaleRepository(Protocol):
    async def save_shift(self, shift: Shift) -> None:
        """Keeps the shift; a cancellation sticks (a late ``shift.scheduled`` does not revive it)."""
        ...

    async def shifts_on_duty(self, creator_id: uuid.UUID, now: datetime) -> list[Shift]:
        """This creator's shifts covering ``now``, not cancelled."""
        ...

    async def sales_to_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> list[Sold]:
        """Per person among ``user_ids``, the fan's unlocks of their offers (net, latest)."""
        ...

    async def buy_rates(self, creator_id: uuid.UUID, user_ids: Sequence[uuid.UUID], since: datetime) -> list[Rate]:
        """Per person among ``user_ids``, their one-to-one offers sent since ``since`` and unlocked."""
        ...

    async def priority(self, conversation_id: uuid.UUID) -> Priority | None: ...

    async def claim_priority(self, priority: Priority) -> bool:
        """Marks the conversation priority unless it already is (False then: nothing written)."""
        ...

    async def answer_priority(self, conversation_id: uuid.UUID, at: datetime) -> bool:
        """Clears an active priority (a person answered); False when there was none."""
        ...

    async def priorities(
        self, creator_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Priority]:
        """The priority marks (active or not) of these conversations of the creator."""
        ...
