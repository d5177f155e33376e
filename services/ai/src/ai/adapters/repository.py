"""The ai repository on PostgreSQL (its own database)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from huntaze_service.db import Transaction
from huntaze_service.entitlements import SqlEntitlements

from ..domain import EmojiUse, Generation, Line, Persona, Speaker, Tone
from .anomalies_sql import AnomalyStore
from .erasure_sql import Erasure
from .experiments_sql import ExperimentStore
from .fan_facts_sql import FanFactsStore
from .idea_facts_sql import IdeaFactsStore
from .insights_sql import InsightStore
from .orm import GenerationRow, LineRow, PersonaRow
from .pricing_sql import PricingStore


class SqlAiRepository(
    Erasure, FanFactsStore, IdeaFactsStore, PricingStore, ExperimentStore, AnomalyStore, InsightStore, SqlEntitlements
):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add_lines(self, lines: Sequence[Line]) -> None:
        if not lines:
            return
        await self._tx.session.execute(
            insert(LineRow)
            .values(
                [
                    {
                        "id": line.id,
                        "creator_id": line.creator_id,
                        "conversation_id": line.conversation_id,
                        "speaker": line.speaker.value,
                        "text": line.text,
                        "at": line.at,
                        "fan_id": line.fan_id,
                    }
                    for line in lines
                ]
            )
            .on_conflict_do_nothing(index_elements=[LineRow.id])
        )

    async def recent_lines(self, creator_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> list[Line]:
        rows = (
            await self._tx.session.scalars(
                select(LineRow)
                .where(LineRow.conversation_id == conversation_id, LineRow.creator_id == creator_id)
                .order_by(LineRow.at.desc(), LineRow.id.desc())
                .limit(limit)
            )
        ).all()
        return [
            Line(r.id, r.creator_id, r.conversation_id, Speaker(r.speaker), r.text, r.at, r.fan_id)
            for r in reversed(rows)
        ]

    async def persona(self, creator_id: uuid.UUID) -> Persona | None:
        row = await self._tx.session.get(PersonaRow, creator_id)
        if row is None:
            return None
        return Persona(
            tone=Tone(row.tone),
            emoji_use=EmojiUse(row.emoji_use),
            boundaries=tuple(row.boundaries or ()),
            signature=row.signature,
            language=row.language,
        )

    async def save_persona(self, creator_id: uuid.UUID, persona: Persona, now: datetime) -> None:
        values = {
            "creator_id": creator_id,
            "tone": persona.tone.value,
            "emoji_use": persona.emoji_use.value,
            "boundaries": list(persona.boundaries),
            "signature": persona.signature,
            "language": persona.language,
            "updated_at": now,
        }
        stmt = insert(PersonaRow).values(**values)
        await self._tx.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[PersonaRow.creator_id],
                set_={k: stmt.excluded[k] for k in values if k != "creator_id"},
            )
        )

    async def add_generation(self, generation: Generation) -> bool:
        # any conflict — the message's automatic draft, or this regeneration's id — stores nothing
        inserted = await self._tx.session.scalar(
            insert(GenerationRow)
            .values(**generation.__dict__)
            .on_conflict_do_nothing()
            .returning(GenerationRow.draft_id)
        )
        return inserted is not None
