"""An in-memory InboxRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from huntaze_service.tombstones import ErasedFan
from huntaze_testkit.entitlements import FakeEntitlements
from huntaze_testkit.vault_media import FakeVaultMedia
from inbox.automations import AutomationConfig, Kind, Run, RunStatus, SentToday
from inbox.domain import Conversation, ConversationSummary, Draft, DraftStatus, Message
from inbox.mass import Recipient
from inbox.offers import Offer
from inbox.quota import Withheld
from inbox.whales import WHALES, Touched

from .fake_mass import FakeMassMessages
from .fake_price_tests import FakePriceTests
from .fake_unanswered import FakeUnanswered
from .fake_whales import FakeWhales


class FakeInboxRepository(FakeEntitlements, FakeVaultMedia, FakeMassMessages, FakeWhales, FakePriceTests, FakeUnanswered):
    def __init__(self) -> None:
        super().__init__()
        self.own_words: dict[uuid.UUID, list[str]] = {}
        self.withheld: dict[uuid.UUID, Withheld] = {}
        self.conversations: dict[uuid.UUID, Conversation] = {}
        self.messages: dict[uuid.UUID, Message] = {}
        self.drafts_by_id: dict[uuid.UUID, Draft] = {}
        self.erased_fans: dict[uuid.UUID, ErasedFan] = {}
        self.applications: dict[uuid.UUID, int] = {}
        """Per erased fan, how many times its erasure was applied (the SQL column ``applications``)."""
        self.scrubbed_outbox_keys: list[str] = []
        self.offers_by_id: dict[uuid.UUID, Offer] = {}
        self.offer_transactions: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.configs: dict[uuid.UUID, AutomationConfig] = {}
        self.runs: dict[uuid.UUID, Run] = {}
        self.fans: dict[uuid.UUID, tuple[Recipient | None, set[str]]] = {}
        """The audience read model: fan id → (who, segments)."""

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
    ) -> Touched | None:
        if fan_id in self.erased_fans:
            return None
        whale = WHALES in self.fans.get(fan_id, (None, set()))[1]
        for c in self.conversations.values():
            if c.creator_id == creator_id and c.fan_external_id == fan_external_id:
                c.fan_display_name = fan_display_name
                c.message_count += 1
                c.last_message_at = max(c.last_message_at, at)
                return Touched(c.id, whale)
        c = Conversation(uuid.uuid4(), creator_id, fan_id, fan_external_id, fan_display_name, now, at, 1)
        self.conversations[c.id] = c
        return Touched(c.id, whale)

    async def add_message(self, message: Message, *, unless_erased: uuid.UUID | None = None) -> bool:
        if unless_erased is not None and unless_erased in self.erased_fans:
            return False
        self.messages[message.id] = message
        return True

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
        self,
        creator_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
        priority_only: bool = False,
    ) -> list[ConversationSummary]:
        mine = sorted(
            (
                c
                for c in self.conversations.values()
                if c.creator_id == creator_id and (not priority_only or self._priority_now(c.id))
            ),
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

    def _priority_now(self, conversation_id: uuid.UUID) -> bool:
        mark = self.priority_rows.get(conversation_id)
        return mark is not None and mark.active

    async def recent_messages(self, conversation_id: uuid.UUID, limit: int | None) -> list[Message]:
        msgs = sorted(
            (m for m in self.messages.values() if m.conversation_id == conversation_id), key=lambda m: (m.sent_at, m.id)
        )
        return msgs if limit is None else msgs[-limit:]

    async def received_at(self, message_id: uuid.UUID) -> datetime | None:
        message = self.messages.get(message_id)
        return None if message is None else message.received_at

    async def drafts(self, conversation_id: uuid.UUID, since: datetime | None) -> list[Draft]:
        found = [
            d
            for d in self.drafts_by_id.values()
            if d.conversation_id == conversation_id and (since is None or d.created_at >= since)
        ]
        return sorted(found, key=lambda d: (d.created_at, d.id))

    # erasure ----------------------------------------------------------------------------------------
    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        self.erased_fans.setdefault(erased.fan_id, erased)
        self.applications[erased.fan_id] = self.applications.get(erased.fan_id, 0) + 1
        ids = {
            c.id for c in self.conversations.values() if c.creator_id == erased.creator_id and c.fan_id == erased.fan_id
        }
        self.offers_by_id = {k: o for k, o in self.offers_by_id.items() if o.conversation_id not in ids}
        self.drafts_by_id = {k: d for k, d in self.drafts_by_id.items() if d.conversation_id not in ids}
        self.withheld = {k: w for k, w in self.withheld.items() if w.conversation_id not in ids}
        self.messages = {k: m for k, m in self.messages.items() if m.conversation_id not in ids}
        self.conversations = {k: c for k, c in self.conversations.items() if k not in ids}
        for gone in ids & set(self.wait_rows):  # ON DELETE CASCADE
            del self.wait_rows[gone]
        self.scrubbed_outbox_keys += sorted(str(i) for i in ids)

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        found = self.erased_fans.get(fan_id)
        return found if found is not None and found.creator_id == creator_id else None

    async def restricted_words(self, creator_id: uuid.UUID) -> list[str]:
        return list(self.own_words.get(creator_id, []))

    async def set_restricted_words(self, creator_id: uuid.UUID, words: list[str], now: datetime) -> None:
        self.own_words[creator_id] = list(words)

    async def fan_conversations(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Conversation]:
        mine = [c for c in self.conversations.values() if c.creator_id == creator_id and c.fan_id == fan_id]
        return sorted(mine, key=lambda c: (c.created_at, c.id))

    # offers -----------------------------------------------------------------------------------------
    async def add_offer(self, offer: Offer) -> None:
        assert offer.id not in self.offers_by_id
        self.offers_by_id[offer.id] = replace(offer)

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, *, lock: bool = False) -> Offer | None:
        o = self.offers_by_id.get(offer_id)
        return replace(o) if o is not None and o.creator_id == creator_id else None

    async def save_offer(self, offer: Offer) -> None:
        self.offers_by_id[offer.id] = replace(offer)

    async def count_offer_transaction(self, offer_id: uuid.UUID, transaction_id: uuid.UUID) -> bool:
        if (offer_id, transaction_id) in self.offer_transactions:
            return False
        self.offer_transactions.add((offer_id, transaction_id))
        return True

    async def fan_offers(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Offer]:
        mine = [replace(o) for o in self.offers_by_id.values() if o.creator_id == creator_id and o.fan_id == fan_id]
        return sorted(mine, key=lambda o: (o.created_at, o.id), reverse=True)

    async def conversation_offers(self, conversation_id: uuid.UUID) -> list[Offer]:
        mine = [replace(o) for o in self.offers_by_id.values() if o.conversation_id == conversation_id]
        return sorted(mine, key=lambda o: (o.created_at, o.id), reverse=True)

    # the audience read model (what automations read) -------------------------------------------------
    async def update_audience_profile(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, external_id: str, display_name: str, now: datetime
    ) -> None:
        if fan_id not in self.erased_fans:
            self.fans[fan_id] = (Recipient(fan_id, external_id, display_name), self.fans.get(fan_id, (None, set()))[1])

    async def update_audience_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None:
        if fan_id in self.erased_fans:
            return
        who, segments = self.fans.get(fan_id, (None, set()))
        self.fans[fan_id] = (who, segments | {segment} if entered else segments - {segment})

    async def known_custom_segments(self, creator_id: uuid.UUID, asked: list[str]) -> set[str]:
        return {s for _, segments in self.fans.values() for s in segments if s in asked}

    async def audience_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[Recipient | None, set[str]]:
        who, segments = self.fans.get(fan_id, (None, set()))
        return who, set(segments)

    async def outbound_conversation(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        external_id: str,
        display_name: str,
        now: datetime,
        conversation_id: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        if fan_id in self.erased_fans:
            return None
        for c in self.conversations.values():
            if c.creator_id == creator_id and c.fan_external_id == external_id:
                return c.id
        c = Conversation(conversation_id or uuid.uuid4(), creator_id, fan_id, external_id, display_name, now, now, 0)
        self.conversations[c.id] = c
        return c.id

    # automations ----------------------------------------------------------------------------------------
    async def automation_config(self, creator_id: uuid.UUID) -> AutomationConfig:
        return self.configs.get(creator_id) or AutomationConfig()

    async def save_automation_config(
        self, creator_id: uuid.UUID, config: AutomationConfig, *, by: uuid.UUID, now: datetime
    ) -> None:
        self.configs[creator_id] = config

    async def add_run(self, run: Run) -> bool:
        if run.fan_id in self.erased_fans:
            return False
        if any(
            (r.creator_id, r.kind, r.trigger) == (run.creator_id, run.kind, run.trigger) for r in self.runs.values()
        ):
            return False
        self.runs[run.id] = replace(run)
        return True

    async def automation_run(self, run_id: uuid.UUID, *, lock: bool = False) -> Run | None:
        r = self.runs.get(run_id)
        return replace(r, context=dict(r.context)) if r is not None else None

    async def save_run(self, run: Run) -> None:
        self.runs[run.id] = replace(run)

    async def automation_runs(
        self, creator_id: uuid.UUID, *, limit: int, kind: Kind | None = None, status: RunStatus | None = None
    ) -> list[Run]:
        mine = [
            replace(r)
            for r in self.runs.values()
            if r.creator_id == creator_id and kind in (None, r.kind) and status in (None, r.status)
        ]
        return sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]

    async def autosent_since(self, creator_id: uuid.UUID, fan_id: uuid.UUID, since: datetime) -> SentToday:
        sent = [
            r
            for r in self.runs.values()
            if r.creator_id == creator_id and r.status is RunStatus.AUTOSENT and r.decided_at and r.decided_at >= since
        ]
        return SentToday(fan=sum(1 for r in sent if r.fan_id == fan_id), creator=len(sent))

    async def lock_autopilot(self, creator_id: uuid.UUID) -> None:
        return None

    async def record_withheld(self, withheld: Withheld) -> None:
        known = self.withheld.get(withheld.message_id)
        if known is None or (known.creator_id == withheld.creator_id and known.withheld_at < withheld.withheld_at):
            self.withheld[withheld.message_id] = withheld

    async def withheld_among(
        self, creator_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Withheld]:
        return {
            i: self.withheld[i] for i in message_ids if i in self.withheld and self.withheld[i].creator_id == creator_id
        }
