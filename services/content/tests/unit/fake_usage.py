"""The usage history in memory, with the SQL adapter's semantics (facts kept once by key, sums made at
read time, a transaction counted for its offer only with the offer's creator, fan and currency)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from content.usage import RECENT_USES, FanOffer, OfferGroup, PostFacts, UsageFacts, offer_state
from content.usage_ports import MassMessageFact, OfferFact, OfferTransaction, PostFact
from huntaze_service.tombstones import ErasedFan


class FakeUsageRepository:
    def __init__(self) -> None:
        self.offers: dict[uuid.UUID, OfferFact] = {}
        self.transactions: dict[uuid.UUID, OfferTransaction] = {}
        self.mass_messages: dict[uuid.UUID, MassMessageFact] = {}
        self.posts: dict[uuid.UUID, PostFact] = {}
        self.erased: dict[uuid.UUID, ErasedFan] = {}
        self.fans: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.vault: set[tuple[uuid.UUID, uuid.UUID]] = set()
        """(creator, media) filed in the vault (the ``media`` table)."""

    # writes ------------------------------------------------------------------------------------------
    async def add_offers(self, offers: Sequence[OfferFact]) -> None:
        for o in offers:
            self.offers.setdefault(o.offer_id, o)

    async def add_offer_transactions(self, transactions: Sequence[OfferTransaction]) -> None:
        for t in transactions:
            self.transactions.setdefault(t.transaction_id, t)

    async def add_mass_messages(self, mass_messages: Sequence[MassMessageFact]) -> None:
        for m in mass_messages:
            self.mass_messages.setdefault(m.facts.mass_message_id, m)

    async def add_posts(self, posts: Sequence[PostFact]) -> None:
        for p in posts:
            self.posts.setdefault(p.facts.post_id, p)

    async def add_fans(self, fans: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
        self.fans.update(fans)

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {f for f in fan_ids if f in self.erased}

    async def erase_fan_usage(self, erased: ErasedFan, *, now: datetime) -> None:
        self.erased.setdefault(erased.fan_id, erased)
        for k, o in list(self.offers.items()):
            if o.creator_id == erased.creator_id and o.fan_id == erased.fan_id:
                self.offers[k] = replace(o, fan_id=None)
        for k, t in list(self.transactions.items()):
            if t.creator_id == erased.creator_id and t.fan_id == erased.fan_id:
                self.transactions[k] = replace(t, fan_id=None)

    # reads ---------------------------------------------------------------------------------------------
    def _uses(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> list[tuple[str, datetime]]:
        uses = [("offer", o.offered_at) for o in self._offers_of(creator_id, media_id)]
        uses += [("mass", m.facts.started_at) for m in self.mass_messages.values()
                 if m.creator_id == creator_id and media_id in m.media_ids]  # fmt: skip
        uses += [("post", p.facts.published_at) for p in self.posts.values()
                 if p.creator_id == creator_id and media_id in p.media_ids]  # fmt: skip
        return uses

    def _offers_of(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> list[OfferFact]:
        return [o for o in self.offers.values() if o.creator_id == creator_id and media_id in o.media_ids]

    def _counted(self, o: OfferFact) -> list[OfferTransaction]:
        return [
            t
            for t in self.transactions.values()
            if (t.creator_id, t.offer_id, t.currency, t.fan_id) == (o.creator_id, o.offer_id, o.currency, o.fan_id)
        ]

    async def media_known(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> bool:
        return bool(self._uses(creator_id, media_id)) or (creator_id, media_id) in self.vault

    async def fan_known(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> bool:
        erased = self.erased.get(fan_id)
        return (creator_id, fan_id) in self.fans or (erased is not None and erased.creator_id == creator_id)

    async def usage_facts(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> UsageFacts:
        grouped: dict[tuple[uuid.UUID | None, int, str], list[OfferFact]] = defaultdict(list)
        for o in self._offers_of(creator_id, media_id):
            grouped[(o.mass_message_id, o.price_cents, o.currency)].append(o)
        groups = []
        for (mass_id, price, currency), offers in grouped.items():
            states = [offer_state((t.type, t.gross_cents) for t in self._counted(o)) for o in offers]
            txs = [t for o in offers for t in self._counted(o)]
            groups.append(
                OfferGroup(
                    mass_id, price, currency, len(offers), sum(b for b, _ in states), sum(r for _, r in states),
                    sum(t.gross_cents for t in txs), sum(t.net_cents for t in txs),
                    min(o.offered_at for o in offers), max(o.offered_at for o in offers),
                )
            )  # fmt: skip
        masses = [
            m.facts for m in self.mass_messages.values() if m.creator_id == creator_id and media_id in m.media_ids
        ]
        posts: list[PostFacts] = sorted(
            (p.facts for p in self.posts.values() if p.creator_id == creator_id and media_id in p.media_ids),
            key=lambda p: (p.published_at, p.post_id),
            reverse=True,
        )
        uses = self._uses(creator_id, media_id)
        ats = [at for _, at in uses]
        return UsageFacts(
            groups,
            masses,
            posts[:RECENT_USES],
            len(posts),
            min(ats) if ats else None,
            max(ats) if ats else None,
        )

    async def fan_offers(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
    ) -> list[FanOffer]:
        return [
            FanOffer(m, offer_state((t.type, t.gross_cents) for t in self._counted(o))[0])
            for o in self.offers.values()
            if o.creator_id == creator_id and o.fan_id == fan_id
            for m in o.media_ids
            if m in media_ids
        ]

    async def sold_among(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        sold = set()
        for m in media_ids:
            for o in self._offers_of(creator_id, m):
                bought, refunded = offer_state((t.type, t.gross_cents) for t in self._counted(o))
                if bought and not refunded:
                    sold.add(m)
        return sold
