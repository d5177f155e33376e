"""Whale routing's use cases (rules in :mod:`inbox.whales`).

- the inbox's read model of shifts: ``shift.scheduled`` / ``shift.cancelled`` (one event per creator
  account a shift covers, keyed by shift) kept per (creator, shift) like analytics keeps them — a
  cancellation sticks, whatever order the two arrive in;
- :func:`on_inbound`: called by :func:`inbox.handlers.conversations.receive_message` in the
  transaction that stores a fan's message of the ``whales`` segment (the fans service's, read from
  the audience read model by the conversation's upsert itself; the conversation's row is locked
  then): it makes the conversation priority, routed to the matched person, and
  ``conversation.prioritized`` is emitted in that same transaction — once per episode, the claim is
  a single conditional upsert;
- :func:`on_answered`: a person answered (a reply approved, an offer made): the priority clears and
  the next whale message starts a new episode.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_events import ConversationPrioritized, Envelope, ShiftCancelled, ShiftScheduled

from ..whales import BUY_RATE_WINDOW, WHALE_REASON, Priority, Shift, on_duty, route
from .base import Uow


async def record_shift(uow: Uow, event: Envelope[ShiftScheduled] | Envelope[ShiftCancelled]) -> None:
    p = event.payload
    cancelled = event.occurred_at if isinstance(p, ShiftCancelled) else None
    await uow.repo.save_shift(Shift(event.creator_id, p.shift_id, p.user_id, p.starts_at, p.ends_at, cancelled))


async def on_inbound(
    uow: Uow,
    *,
    creator_id: uuid.UUID,
    conversation_id: uuid.UUID,
    fan_id: uuid.UUID,
    message_id: uuid.UUID,
    now: datetime,
) -> Priority | None:
    """The priority a whale's message starts, if any (the caller commits; it read that the fan is in
    ``whales`` with the conversation's upsert: :meth:`InboxRepository.touch_conversation`)."""
    current = await uow.repo.priority(conversation_id)
    if current is not None and current.active:
        return None  # already priority: told once per episode
    duty = on_duty(await uow.repo.shifts_on_duty(creator_id, now), creator_id, now)
    people = sorted(duty)
    sold = await uow.repo.sales_to_fan(creator_id, fan_id, people) if people else []
    rates = await uow.repo.buy_rates(creator_id, people, now - BUY_RATE_WINDOW) if people else []
    chosen = route(duty, sold, rates)
    priority = Priority(
        conversation_id=conversation_id,
        creator_id=creator_id,
        fan_id=fan_id,
        active=True,
        episode=(current.episode if current is not None else 0) + 1,
        reason=WHALE_REASON,
        assigned_user_id=chosen.user_id,
        shift_id=chosen.shift_id,
        matched_by=chosen.matched_by,
        since=now,
        message_id=message_id,
    )
    if not await uow.repo.claim_priority(priority):
        return None
    uow.emit(
        ConversationPrioritized(
            conversation_id=conversation_id,
            fan_id=fan_id,
            message_id=message_id,
            reason=WHALE_REASON,
            assigned_user_id=chosen.user_id,
            shift_id=chosen.shift_id,
            matched_by=chosen.matched_by,
            prioritized_at=now,
        ),
        creator_id=creator_id,
    )
    return priority


async def on_answered(uow: Uow, conversation_id: uuid.UUID, now: datetime) -> None:
    """A person answered the conversation: its priority (if any) clears (the caller commits)."""
    await uow.repo.answer_priority(conversation_id, now)


async def priorities(
    uow: Uow, creator_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Priority]:
    """The active priority marks among these conversations (what the list and detail show)."""
    marks = await uow.repo.priorities(creator_id, conversation_ids) if conversation_ids else {}
    return {k: v for k, v in marks.items() if v.active}
