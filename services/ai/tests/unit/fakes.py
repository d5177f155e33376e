"""An in-memory AiRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ai.domain import Generation, Line, Persona
from ai.fan_facts import FanFacts
from huntaze_service.tombstones import ErasedFan
from huntaze_testkit.entitlements import FakeEntitlements

from .anomaly_fakes import FakeAnomalyStore
from .experiment_fakes import FakeExperimentStore
from .ideas_fakes import FakeIdeaFacts
from .pricing_fakes import FakePricingStore


class FakeAiRepository(FakeEntitlements, FakeIdeaFacts, FakePricingStore, FakeExperimentStore, FakeAnomalyStore):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[uuid.UUID, Line] = {}
        self.personas: dict[uuid.UUID, Persona] = {}
        self.generations: dict[uuid.UUID, Generation] = {}
        self.facts: dict[uuid.UUID, FanFacts] = {}
        self.subscription_at: dict[uuid.UUID, datetime] = {}
        self.erased_fans: dict[uuid.UUID, ErasedFan] = {}
        self.applications: dict[uuid.UUID, int] = {}
        self.scrubbed_outbox_keys: list[str] = []

    async def add_lines(self, lines: Sequence[Line]) -> None:
        for line in lines:
            self.lines.setdefault(line.id, line)

    async def recent_lines(self, creator_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> list[Line]:
        mine = [x for x in self.lines.values() if x.conversation_id == conversation_id and x.creator_id == creator_id]
        mine.sort(key=lambda x: (x.at, x.id))
        return mine[-limit:]

    async def persona(self, creator_id: uuid.UUID) -> Persona | None:
        return self.personas.get(creator_id)

    async def save_persona(self, creator_id: uuid.UUID, persona: Persona, now: datetime) -> None:
        self.personas[creator_id] = persona

    async def add_generation(self, generation: Generation) -> bool:
        automatic = generation.supersedes is None
        if generation.draft_id in self.generations or (
            automatic
            and any(g.message_id == generation.message_id and g.supersedes is None for g in self.generations.values())
        ):
            return False
        self.generations[generation.draft_id] = generation
        return True

    # erasure ----------------------------------------------------------------------------------------
    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {f for f in fan_ids if f in self.erased_fans}

    def _conversations(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> set[uuid.UUID]:
        rows = [*self.lines.values(), *self.generations.values()]
        return {r.conversation_id for r in rows if r.creator_id == creator_id and r.fan_id == fan_id}

    def _of_fan(self, row: Line | Generation, creator_id: uuid.UUID, fan_id: uuid.UUID, conversations: set) -> bool:
        return row.creator_id == creator_id and (row.fan_id == fan_id or row.conversation_id in conversations)

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        self.erased_fans.setdefault(erased.fan_id, erased)
        self.applications[erased.fan_id] = self.applications.get(erased.fan_id, 0) + 1
        self.facts.pop(erased.fan_id, None)
        conversations = self._conversations(erased.creator_id, erased.fan_id)
        mine = lambda r: self._of_fan(r, erased.creator_id, erased.fan_id, conversations)  # noqa: E731
        self.lines = {k: x for k, x in self.lines.items() if not mine(x)}
        self.generations = {k: g for k, g in self.generations.items() if not mine(g)}
        self.scrubbed_outbox_keys += sorted(str(c) for c in conversations)

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        found = self.erased_fans.get(fan_id)
        return found if found is not None and found.creator_id == creator_id else None

    async def fan_history(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[list[Line], list[Generation]]:
        conversations = self._conversations(creator_id, fan_id)
        lines = [x for x in self.lines.values() if self._of_fan(x, creator_id, fan_id, conversations)]
        generations = [g for g in self.generations.values() if self._of_fan(g, creator_id, fan_id, conversations)]
        lines.sort(key=lambda x: (x.conversation_id, x.at, x.id))
        generations.sort(key=lambda g: (g.created_at, g.draft_id))
        return lines, generations

    # the fans read model ------------------------------------------------------------------------------
    def _fact(self, fan_id: uuid.UUID) -> FanFacts | None:
        return None if fan_id in self.erased_fans else self.facts.get(fan_id, FanFacts())

    async def add_spend(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, net_cents: int, currency: str, purchase: bool, now: datetime
    ) -> None:
        if (f := self._fact(fan_id)) is not None:
            self.facts[fan_id] = replace(
                f, net_cents=f.net_cents + net_cents, currency=currency, purchases=f.purchases + int(purchase)
            )

    async def set_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None:
        if (f := self._fact(fan_id)) is not None:
            kept = tuple(s for s in f.segments if s != segment)
            self.facts[fan_id] = replace(f, segments=(*kept, segment) if entered else kept)

    async def set_subscription(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        *,
        status: str,
        expires_at: datetime,
        auto_renew: bool | None,
        reported_at: datetime,
        now: datetime,
    ) -> None:
        f = self._fact(fan_id)
        if f is None or self.subscription_at.get(fan_id, reported_at) > reported_at:
            return
        self.subscription_at[fan_id] = reported_at
        self.facts[fan_id] = replace(f, subscription=status, expires_at=expires_at, auto_renew=auto_renew)

    async def fan_facts(self, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanFacts]:
        return {f: self.facts[f] for f in fan_ids if f in self.facts}
