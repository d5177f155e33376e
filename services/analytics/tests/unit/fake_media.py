"""The media ROI read models in memory, with the SQL adapter's semantics (mixed into
FakeAnalyticsRepository: offers' fan, price and times are the chatters' ``offers``, amounts the
revenue ``facts``)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from analytics.chatter_records import OfferRecord
from analytics.domain import Fact
from analytics.media_roi import MediaInfo, MediaOfferRecord, MediaRecord, OfferGroup, OfferReversal, SegmentChange


class FakeMedia:
    offers: dict[uuid.UUID, OfferRecord]
    facts: dict[uuid.UUID, Fact]

    def __init__(self) -> None:
        self.media: dict[tuple[uuid.UUID, uuid.UUID], MediaRecord] = {}
        self.media_offers: dict[uuid.UUID, MediaOfferRecord] = {}
        self.reversals: dict[uuid.UUID, OfferReversal] = {}
        self.segment_changes: set[tuple[uuid.UUID, uuid.UUID, str, datetime, str]] = set()
        self.names: dict[tuple[uuid.UUID, str], tuple[str, datetime]] = {}
        self.frozen: set[tuple[uuid.UUID, str]] = set()

    async def save_media(self, media: Sequence[MediaRecord]) -> None:
        for m in media:
            known = self.media.get((m.creator_id, m.media_id))
            if known is None or m.revision > known.revision:
                self.media[(m.creator_id, m.media_id)] = m

    async def save_media_offers(self, offers: Sequence[MediaOfferRecord]) -> None:
        for o in offers:
            known = self.media_offers.get(o.offer_id)
            if known is None or (known.unlock_transaction_id is None and o.unlock_transaction_id is not None):
                self.media_offers[o.offer_id] = (
                    o
                    if known is None
                    else MediaOfferRecord(known.creator_id, known.offer_id, known.media_ids, o.unlock_transaction_id)
                )

    async def add_offer_reversals(self, reversals: Sequence[OfferReversal]) -> None:
        for r in reversals:
            self.reversals.setdefault(r.transaction_id, r)

    async def add_segment_changes(self, changes: Sequence[SegmentChange]) -> None:
        for c in changes:
            self.segment_changes.add((c.creator_id, c.fan_id, c.segment, c.at, c.change))
            known = self.names.get((c.creator_id, c.segment))
            if known is None or c.at >= known[1]:
                self.names[(c.creator_id, c.segment)] = (c.name, c.at)

    def _segments_at(self, offer: OfferRecord) -> set[str]:
        last: dict[str, tuple[datetime, int, str]] = {}
        for creator, fan, segment, at, change in self.segment_changes:
            if creator == offer.creator_id and fan == offer.fan_id and at <= offer.sent_at:
                rank = (at, 1 if change == "entered" else 0, change)  # at the same instant, entered wins
                if segment not in last or rank > last[segment]:
                    last[segment] = rank
        return {s for s, (_, _, change) in last.items() if change == "entered"}

    async def forget_fan_segments(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
        for o in self.offers.values():
            if o.creator_id == creator_id and o.fan_id == fan_id:
                self.frozen |= {(o.offer_id, s) for s in self._segments_at(o)}
        self.segment_changes = {c for c in self.segment_changes if (c[0], c[1]) != (creator_id, fan_id)}

    async def fan_segment_changes(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[SegmentChange]:
        mine = sorted(
            (at, segment, change)
            for c, f, segment, at, change in self.segment_changes
            if (c, f) == (creator_id, fan_id)
        )
        return [
            SegmentChange(creator_id, fan_id, segment, change, at, self.names.get((creator_id, segment), (segment,))[0])
            for at, segment, change in mine
        ]

    async def offer_groups(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, currency: str | None
    ) -> list[OfferGroup]:
        groups: Counter[tuple[Any, ...]] = Counter()
        for o in self.offers.values():
            m = self.media_offers.get(o.offer_id)
            if o.creator_id != creator_id or m is None or m.creator_id != creator_id:
                continue
            if not start <= o.sent_at < end or (currency is not None and o.currency != currency):
                continue
            paid = [
                r.transaction_id
                for r in self.reversals.values()
                if r.offer_id == o.offer_id and r.creator_id == creator_id
            ]
            if m.unlock_transaction_id is not None:
                paid.append(m.unlock_transaction_id)
            facts = [self.facts[t] for t in set(paid) if t in self.facts]
            facts = [f for f in facts if f.creator_id == creator_id and f.currency == o.currency]
            segments = self._segments_at(o) | {s for offer, s in self.frozen if offer == o.offer_id}
            key = (
                m.media_ids,
                o.currency,
                o.price_cents,
                tuple(sorted(segments)),
                o.unlocked_at is not None,
                sum(f.gross_cents for f in facts),
                sum(f.net_cents for f in facts),
            )
            groups[key] += 1
        return [OfferGroup(*key, count=n) for key, n in groups.items()]

    async def media_infos(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MediaInfo]:
        found = {}
        for media_id in media_ids:
            m = self.media.get((creator_id, media_id))
            if m is not None:
                found[media_id] = MediaInfo(m.kind, m.title, m.tags, m.deleted)
        return found

    async def segment_names(self, creator_id: uuid.UUID) -> dict[str, str]:
        return {segment: name for (creator, segment), (name, _) in self.names.items() if creator == creator_id}
