"""What the usage history needs from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from huntaze_service.tombstones import ErasedFan

from .usage import FanOffer, MassMessageFacts, PostFacts, UsageFacts


@dataclass(frozen=True)
class OfferFact:
    """An offer as ``ppv.offered`` (or ``ppv.unlocked``, which repeats it) tells it."""

    offer_id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID | None
    """None once the fan is erased."""
    price_cents: int
    currency: str
    mass_message_id: uuid.UUID | None
    by_user_id: uuid.UUID | None
    by_automation: str | None
    offered_at: datetime
    media_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class OfferTransaction:
    """A sale, refund or chargeback naming an offer (``ref`` kind ``message``), by its transaction id."""

    transaction_id: uuid.UUID
    creator_id: uuid.UUID
    offer_id: uuid.UUID
    fan_id: uuid.UUID | None
    type: str
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime


@dataclass(frozen=True)
class MassMessageFact:
    creator_id: uuid.UUID
    facts: MassMessageFacts
    media_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class PostFact:
    creator_id: uuid.UUID
    facts: PostFacts
    media_ids: tuple[uuid.UUID, ...]


class UsageRepository(Protocol):
    # writes: each fact once by its key, whichever event brings it (a second copy changes nothing)
    async def add_offers(self, offers: Sequence[OfferFact]) -> None: ...

    async def add_offer_transactions(self, transactions: Sequence[OfferTransaction]) -> None: ...

    async def add_mass_messages(self, mass_messages: Sequence[MassMessageFact]) -> None: ...

    async def add_posts(self, posts: Sequence[PostFact]) -> None: ...

    async def add_fans(self, fans: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """(creator id, fan id) pairs events named: the creator's fans."""
        ...

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these fans are erased (takes their locks shared first: an erasure waits for us)."""
        ...

    async def erase_fan_usage(self, erased: ErasedFan, *, now: datetime) -> None:
        """The tombstone, and the fan's id taken off their offers and transactions (counts and money stay)."""
        ...

    # reads: scoped to the creator
    async def media_known(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> bool:
        """Used by this creator (or in their vault, when the vault's ``media`` table exists)."""
        ...

    async def fan_known(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> bool:
        """A fan of this creator's (named by an event, or erased)."""
        ...

    async def usage_facts(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> UsageFacts: ...

    async def fan_offers(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
    ) -> list[FanOffer]: ...

    async def sold_among(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these media are sold (an unlock not fully refunded)."""
        ...
