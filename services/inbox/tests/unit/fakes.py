"""An in-memory InboxRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from inbox.domain import Conversation, ConversationSummary, Draft, DraftStatus, Message


class FakeInboxRepository:
    def __init__(self) -> None:
        self.conversations: dict[uuid.UUID, Conversation] = {}
        self.messages: dict[uuid.UUID, Message] = {}
        self.drafts_by_id: dict[uuid.UUID, Draft] = {}

    async def find_message(
        self, creator_id: uuid.UUID, fan_external_id: str, external_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        for m in self.messages.values():
            c = self.conversations[m.conversation_id]
            if c.creator_id == creator_id and c.fan_external_id == fan_external_id and m.external_id == external_id:
                return m.id, c.id
        return None

    async def touch_conversation(
        self,
        *,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        fan_external_id: str,
        fan_display_name: str,
        at: datetime,
        now: datetime,
    ) -> uuid.UUID:
        for c in self.conversations.values():
            if c.creator_id == creator_id and c.fan_external_id == fan_external_id:
                c.fan_display_name = fan_display_name
                c.message_count += 1
                c.last_message_at = max(c.last_message_at, at)
                return c.id
        c = Conversation(uuid.uuid4(), creator_id, fan_id, fan_external_id, fan_display_name, now, at, 1)
        self.conversations[c.id] = c
        return c.id

    async def add_message(self, message: Message) -> None:
        self.messages[message.id] = message

    async def conversation(self, creator_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
        c = self.conversations.get(conversation_id)
        return c if c is not None and c.creator_id == creator_id else None

    async def draft(self, creator_id: uuid.UUID, draft_id: uuid.UUID, *, lock: bool = False) -> Draft | None:
        d = self.drafts_by_id.get(draft_id)
        return replace(d) if d is not None and d.creator_id == creator_id else None

    async def add_draft(self, draft: Draft) -> None:
        self.drafts_by_id.setdefault(draft.id, replace(draft))

    async def save_draft(self, draft: Draft) -> None:
        self.drafts_by_id[draft.id] = replace(draft)

    async def count_outgoing(self, conversation_id: uuid.UUID, at: datetime) -> None:
        c = self.conversations[conversation_id]
        c.message_count += 1
        c.last_message_at = max(c.last_message_at, at)

    async def list_conversations(
        self, creator_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[ConversationSummary]:
        mine = sorted(
            (c for c in self.conversations.values() if c.creator_id == creator_id),
            key=lambda c: (c.last_message_at, c.id),
            reverse=True,
        )
        if after is not None:
            mine = [c for c in mine if (c.last_message_at, c.id) < after]
        out = []
        for c in mine[:limit]:
            msgs = [m for m in self.messages.values() if m.conversation_id == c.id]
            last = max(msgs, key=lambda m: (m.sent_at, m.id), default=None)
            pending = sum(
                1 for d in self.drafts_by_id.values() if d.conversation_id == c.id and d.status is DraftStatus.DRAFTED
            )
            out.append(ConversationSummary(c, last, pending))
        return out

    async def recent_messages(self, conversation_id: uuid.UUID, limit: int) -> list[Message]:
        msgs = sorted(
            (m for m in self.messages.values() if m.conversation_id == conversation_id), key=lambda m: (m.sent_at, m.id)
        )
        return msgs[-limit:]

    async def drafts(self, conversation_id: uuid.UUID, since: datetime | None) -> list[Draft]:
        found = [
            d
            for d in self.drafts_by_id.values()
            if d.conversation_id == conversation_id and (since is None or d.created_at >= since)
        ]
        return sorted(found, key=lambda d: (d.created_at, d.id))
