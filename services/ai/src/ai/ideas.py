"""Content ideas grounded in what sells (``ideas.requested`` → ``ideas.generated``).

The consumer of ``ideas.requested`` reads the creator's facts (:mod:`ai.idea_facts`) from the ai
service's own read model and records a ``write_ideas`` call with them, fixed as they are then; a
worker asks the idea writer (the remote model, or the offline one) outside any transaction; the
answer is recorded, and ``ideas.generated`` emitted, in a second transaction — once per request: a
redelivered request finds its call recorded (or its answer stored), a call made again after a worker
died finds the answer stored and emits nothing.

The read model's writers live here too: sales by hour, unlocks, media titles and tags, posts and
conversions. A fan erased (their tombstone) is kept out: what they bought still counts, without them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from huntaze_events import (
    ConversionTracked,
    Envelope,
    Idea,
    IdeasGenerated,
    IdeasRequested,
    MediaUpdated,
    MediaUploaded,
    PostPublished,
    PpvUnlocked,
    TransactionRecorded,
)
from huntaze_service import Call, UnitOfWork

from .idea_facts import IdeaFacts, facts_of
from .ports import AiRepository

Uow = UnitOfWork[AiRepository]
WRITE_IDEAS = "write_ideas"


class IdeaBrief(BaseModel):
    """What the ``write_ideas`` call needs, fixed when the request arrives."""

    model_config = ConfigDict(frozen=True)

    request_id: uuid.UUID
    target: str = Field(pattern="^(onlyfans|instagram|tiktok|x|reddit)$")
    count: int = Field(ge=1, le=20)
    theme: str | None = None
    facts: IdeaFacts = IdeaFacts()


@dataclass(frozen=True)
class IdeasWritten:
    ideas: tuple[Idea, ...]
    provider: str
    model: str | None = None


@runtime_checkable
class IdeaWriter(Protocol):
    """Port: writes content ideas from a brief. Never publishes anything."""

    name: str

    async def ideas(self, creator_id: uuid.UUID, brief: IdeaBrief) -> IdeasWritten: ...


# --- the request and its answer ------------------------------------------------------------------------


async def request_ideas(uow: Uow, event: Envelope[IdeasRequested]) -> None:
    """Reads the creator's facts and records the ``write_ideas`` call (once per request)."""
    asked = event.payload
    if await uow.repo.ideas_answered(asked.request_id):
        return
    facts = facts_of(await uow.repo.sales_data(event.creator_id))
    brief = IdeaBrief(
        request_id=asked.request_id, target=asked.target, count=asked.count, theme=asked.theme, facts=facts
    )
    uow.call(WRITE_IDEAS, key=str(asked.request_id), payload=brief, cause=event)


async def record_ideas(uow: Uow, call: Call[IdeaBrief], written: IdeasWritten) -> None:
    """Stores the answer and emits ``ideas.generated`` — only the first time for a request."""
    brief = call.payload
    ideas = written.ideas[: brief.count]
    if not await uow.repo.add_ideas_answer(
        brief.request_id,
        call.tenant,
        target=brief.target,
        provider=written.provider,
        model=written.model,
        ideas=[i.model_dump(mode="json") for i in ideas],
        now=uow.now(),
    ):
        return
    uow.emit(
        IdeasGenerated(
            request_id=brief.request_id,
            target=brief.target,  # type: ignore[arg-type]
            ideas=list(ideas),
            provider=written.provider[:40],
            model=written.model[:100] if written.model else None,
        ),
        creator_id=call.tenant,
    )


# --- the read model --------------------------------------------------------------------------------------


async def _kept_fan(uow: Uow, fan_id: uuid.UUID) -> uuid.UUID | None:
    return None if await uow.repo.erased_among([fan_id]) else fan_id


async def record_sale(uow: Uow, event: Envelope[TransactionRecorded]) -> None:
    """Revenue by hour of day: a sale adds its net, a refund or chargeback (negative net) takes it back."""
    tx = event.payload
    fan = await _kept_fan(uow, tx.fan_id)
    await uow.repo.add_idea_sale(event.creator_id, tx.transaction_id, fan, tx.occurred_at, tx.net_cents, tx.currency)


async def record_unlock(uow: Uow, event: Envelope[PpvUnlocked]) -> None:
    """Which media sold, at what price, for how much, to which fan."""
    p = event.payload
    fan = await _kept_fan(uow, p.fan_id)
    await uow.repo.add_idea_unlock(
        event.creator_id, p.offer_id, fan, tuple(p.media_ids), p.price_cents, p.net_cents, p.currency, p.unlocked_at
    )


async def record_media(uow: Uow, event: Envelope[MediaUploaded] | Envelope[MediaUpdated]) -> None:
    """A media item's title and tags (its themes); a later revision wins, a deleted item sold still."""
    p = event.payload
    revision = p.revision if isinstance(p, MediaUpdated) else 0
    deleted = p.deleted if isinstance(p, MediaUpdated) else False
    await uow.repo.set_idea_media(event.creator_id, p.media_id, p.title, tuple(p.tags), revision, deleted)


async def record_post(uow: Uow, event: Envelope[PostPublished]) -> None:
    p = event.payload
    await uow.repo.add_idea_post(event.creator_id, p.post_id, p.network, p.published_at)


async def record_conversion(uow: Uow, event: Envelope[ConversionTracked]) -> None:
    """A subscriber who came through a post's (or a network's) link: their later sales count for it."""
    p = event.payload
    fan = await _kept_fan(uow, p.fan_id)
    network = p.network
    await uow.repo.add_idea_conversion(event.creator_id, p.fan_id, fan, p.post_id, network, p.converted_at)
