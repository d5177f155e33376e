"""Unanswered fans' use cases (rules in :mod:`inbox.unanswered`).

- :func:`on_inbound`: called by :func:`inbox.handlers.conversations.receive_message` in the
  transaction that stores a fan's message: a wait starts unless one runs (one conditional upsert),
  and its check is set at ``since + threshold``;
- :func:`on_answered`: a person answered (a reply approved, an offer made): the wait ends and its
  check is dropped, in the answer's transaction;
- :func:`check`: a check fired (the timer ``unanswered_check``; one per wait, plus a follow-up per
  creator account): ``reply.overdue`` once per cool-down, listing the waits that crossed the
  threshold, if someone is on shift.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from huntaze_events import OnShift, ReplyOverdue, WaitingFan

from ..unanswered import cool_down_ends, listed, next_check, on_shift
from ..whales import on_duty
from .base import Uow

UNANSWERED_CHECK = "unanswered_check"


def _follow_up_key(creator_id: uuid.UUID) -> str:
    return f"creator:{creator_id}"


async def on_inbound(
    uow: Uow,
    *,
    creator_id: uuid.UUID,
    conversation_id: uuid.UUID,
    fan_id: uuid.UUID,
    now: datetime,
    threshold: timedelta,
) -> bool:
    """Starts the conversation's wait unless one runs; True when it started (the caller commits)."""
    if not await uow.repo.start_wait(creator_id, conversation_id, fan_id, now):
        return False
    uow.schedule(UNANSWERED_CHECK, key=str(conversation_id), at=now + threshold, tenant=creator_id)
    return True


async def on_answered(uow: Uow, conversation_id: uuid.UUID, now: datetime) -> None:
    """A person answered: the wait ends, its check goes (the caller commits)."""
    if await uow.repo.end_wait(conversation_id, now):
        uow.cancel(UNANSWERED_CHECK, key=str(conversation_id))


async def check(uow: Uow, creator_id: uuid.UUID, threshold: timedelta, now: datetime) -> ReplyOverdue | None:
    """Alerts the people on shift about the waits past the threshold (see :mod:`inbox.unanswered`)."""
    repo = uow.repo
    last = await repo.claim_alert_slot(creator_id)  # one check per creator account at a time
    cutoff = now - threshold
    ends = cool_down_ends(last, threshold, now)
    if ends is not None:
        if await repo.any_overdue(creator_id, cutoff):
            uow.schedule(UNANSWERED_CHECK, key=_follow_up_key(creator_id), at=ends, tenant=creator_id)
        return None
    duty = on_duty(await repo.shifts_on_duty(creator_id, now), creator_id, now)
    if not duty:
        if await repo.any_overdue(creator_id, cutoff):
            later = next_check(await repo.next_shift_start(creator_id, now), threshold)
            if later.at is not None:
                uow.schedule(UNANSWERED_CHECK, key=_follow_up_key(creator_id), at=later.at, tenant=creator_id)
        return None
    waits = await repo.claim_overdue(creator_id, cutoff, now)
    if not waits:
        return None
    await repo.alerted(creator_id, now)
    shown = listed(waits)
    alert = ReplyOverdue(
        alert_id=uuid.uuid4(),
        threshold_s=max(1, round(threshold.total_seconds())),
        waiting=len(waits),
        oldest_since=shown[0].since,
        conversations=[
            WaitingFan(
                conversation_id=w.conversation_id,
                fan_id=w.fan_id,
                waiting_since=w.since,
                priority=w.priority,
                assigned_user_id=w.assigned_user_id,
            )
            for w in shown
        ],
        on_shift=[OnShift(user_id=s.user_id, shift_id=s.shift_id) for s in on_shift(duty)],
        detected_at=now,
    )
    uow.emit(alert, creator_id=creator_id)
    return alert
