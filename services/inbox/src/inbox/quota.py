"""What the inbox does with the organisation's plan (:mod:`huntaze_service.entitlements`, its read
model of ``entitlement.changed`` kept here too):

- ``reply.withheld`` (the ai service reached ``ai_drafts_per_month``): the fan's message is kept as
  *withheld* and the conversation shows it with ``draft_status: "quota_reached"`` (the plan, the
  allowance, the plan to upgrade to) instead of a draft. Nothing is lost: a person can still answer
  it, and a draft that arrives later for the same message (a regeneration once the plan allows it)
  shows normally — a draft newer than the withholding wins. When its ``in_reply_to_message_id`` is an
  automation run waiting for its AI text (``writing``), the run ends ``skipped`` with the reason
  ``quota_reached``: no text is invented and nothing is sent; the calendar shows it skipped.
- mass messages count against ``mass_messages_per_month`` when created (402 ``plan_limit`` beyond the
  month's count; given back when cancelled before sending) — :mod:`inbox.handlers.mass_messages`.
- the ``autopilot`` feature: switching an automation to autopilot on a plan without it answers 402;
  runs already scheduled fall back to a person's approval (a draft, reason ``plan_autopilot_off``) —
  :mod:`inbox.handlers.automations`.

Unknown organisation (no ``entitlement.changed`` yet): everything allowed (the chassis' fail open).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from huntaze_events import Envelope, ReplyWithheld

QUOTA_REACHED = "quota_reached"


@dataclass(frozen=True)
class Withheld:
    """A fan message the AI did not draft for: the plan's month allowance was used."""

    message_id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    limit: int
    plan: str
    upgrade_to: str | None
    period: str
    withheld_at: datetime


class WithheldRepository(Protocol):
    async def record_withheld(self, withheld: Withheld) -> None:
        """Keeps it once per message (a later one for the same message replaces it)."""
        ...

    async def withheld_among(
        self, creator_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Withheld]: ...


def withheld_of(event: Envelope[ReplyWithheld]) -> Withheld:
    p = event.payload
    return Withheld(
        p.in_reply_to_message_id,
        event.creator_id,
        p.conversation_id,
        p.limit,
        p.plan,
        p.upgrade_to,
        p.period,
        event.occurred_at,
    )


def still_withheld(withheld: Withheld | None, draft_times: Sequence[datetime]) -> Withheld | None:
    """The withholding a message shows: none once a draft for it arrived after it."""
    if withheld is None or any(at >= withheld.withheld_at for at in draft_times):
        return None
    return withheld


def shown(
    withheld: Mapping[uuid.UUID, Withheld], drafts: Sequence[tuple[uuid.UUID | None, datetime]]
) -> dict[uuid.UUID, Withheld]:
    """Per message, the withholding still shown, given the conversation's drafts (message, created)."""
    times: dict[uuid.UUID, list[datetime]] = {}
    for message_id, at in drafts:
        if message_id is not None:
            times.setdefault(message_id, []).append(at)
    out = {}
    for message_id, w in withheld.items():
        kept = still_withheld(w, times.get(message_id, []))
        if kept is not None:
            out[message_id] = kept
    return out
