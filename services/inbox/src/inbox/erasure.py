"""A fan's personal data in the inbox: erased on ``fan.erased``, exported on request.

What the inbox holds about a fan (found by ``conversations.fan_id``): ``conversations``
(``fan_external_id``, ``fan_display_name``), ``messages.text`` (theirs and the creator's replies),
``drafts.text`` / ``original_text`` / ``send_error``, and the events it published about their
conversations (``outbox``, key = conversation id). Erasure deletes all of it in one transaction —
drafts, messages, conversations, the published outbox rows (Kafka keeps its copies until the topics'
retention) — and records the fan in ``erased_fans``, the tombstone:

- a message from the fan posted afterwards (a connector replaying old messages, or a new one) is
  refused with 410 and nothing is stored (the check is in the message's own INSERT, so a message
  racing the erasure either commits first and is erased with the rest, or meets the tombstone);
- a ``reply.drafted`` for the fan delivered afterwards (the ai's draft of an older message) is
  skipped;
- a send already recorded when the erasure lands finds its draft gone and records nothing (the
  connector call itself, if in flight, still happens once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import Envelope, FanErased
from huntaze_service import UnitOfWork
from huntaze_service.tombstones import erased_fan_of

from .domain import Conversation, Draft, Message
from .ports import InboxRepository

Uow = UnitOfWork[InboxRepository]


class FanIsErased(Exception):
    """A message of an erased fan: nothing of it is stored."""

    def __init__(self, fan_id: uuid.UUID) -> None:
        super().__init__(f"fan {fan_id} was erased at the creator's request: the inbox stores nothing from them")
        self.fan_id = fan_id


@dataclass(frozen=True)
class FanConversation:
    conversation: Conversation
    messages: list[Message]
    drafts: list[Draft]


@dataclass(frozen=True)
class PersonalData:
    fan_id: uuid.UUID
    erased_at: datetime | None
    conversations: list[FanConversation]


async def erase_fan(uow: Uow, event: Envelope[FanErased]) -> None:
    """Deletes everything the inbox holds about the fan and records the tombstone (one transaction:
    the consumer's)."""
    await uow.repo.erase_fan(erased_fan_of(event), now=uow.now())


async def personal_data(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> PersonalData:
    """Every conversation with the fan, all its messages and drafts (empty once erased)."""
    erased = await uow.repo.erased(creator_id, fan_id)
    conversations = [
        FanConversation(c, await uow.repo.recent_messages(c.id, None), await uow.repo.drafts(c.id, None))
        for c in await uow.repo.fan_conversations(creator_id, fan_id)
    ]
    return PersonalData(fan_id, None if erased is None else erased.erased_at, conversations)
