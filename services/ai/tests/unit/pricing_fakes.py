"""The pricing read model in memory, with the SQL store's semantics (mixed into FakeAiRepository)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ai.pricing.review import OfferRow, PricingData, SubscriptionRow


@dataclass
class _Offer:
    creator_id: uuid.UUID
    fan_id: uuid.UUID | None
    price_cents: int
    currency: str
    media_kind: str
    segment: str
    offered_at: datetime
    unlocked_at: datetime | None
    experiment_id: uuid.UUID | None = None


class FakePricingStore:
    def __init__(self) -> None:
        super().__init__()
        self.pricing_offers: dict[uuid.UUID, _Offer] = {}
        self.pricing_media: dict[uuid.UUID, str] = {}
        self.pricing_tips: dict[uuid.UUID, tuple[uuid.UUID, int, str, datetime]] = {}
        self.pricing_subs: dict[tuple[uuid.UUID, uuid.UUID, datetime], dict] = {}
        self.pricing_clicks: Counter[tuple[uuid.UUID, date]] = Counter()
        self.pricing_reviews: set[uuid.UUID] = set()
        self.suggestions: dict[str, tuple[uuid.UUID, int, str]] = {}

    async def set_pricing_media(self, creator_id: uuid.UUID, media_id: uuid.UUID, kind: str) -> None:
        self.pricing_media[media_id] = kind

    async def pricing_media_kinds(self, media_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {m: self.pricing_media[m] for m in media_ids if m in self.pricing_media}

    async def add_pricing_offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, fan_id: uuid.UUID, price_cents: int,
                                currency: str, kind: str, segment: str, offered_at: datetime, *,
                                unlocked_at: datetime | None, experiment_id: uuid.UUID | None = None) -> None:  # fmt: skip
        held = self.pricing_offers.get(offer_id)
        if held is None:
            self.pricing_offers[offer_id] = _Offer(creator_id, fan_id, price_cents, currency, kind, segment,
                                                   offered_at, unlocked_at, experiment_id)  # fmt: skip
            return
        held.unlocked_at = held.unlocked_at or unlocked_at
        held.experiment_id = held.experiment_id or experiment_id
        if held.media_kind == "unknown":
            held.media_kind = kind

    async def add_pricing_tip(self, creator_id: uuid.UUID, transaction_id: uuid.UUID, gross_cents: int, currency: str,
                              occurred_at: datetime) -> None:  # fmt: skip
        self.pricing_tips.setdefault(transaction_id, (creator_id, gross_cents, currency, occurred_at))

    async def upsert_pricing_subscription(self, creator_id: uuid.UUID, fan_id: uuid.UUID, started_at: datetime,
                                          price_cents: int, currency: str, *, via: bool | None, renewed: bool,
                                          expired: bool, started: bool) -> None:  # fmt: skip
        row = self.pricing_subs.setdefault(
            (creator_id, fan_id, started_at),
            {
                "price": price_cents,
                "currency": currency,
                "via": None,
                "started": False,
                "renewals": 0,
                "expired": False,
            },
        )
        if via is not None:
            row["via"] = via
        if started:
            row["price"] = price_cents
        row["started"] = row["started"] or started
        row["renewals"] += int(renewed)
        row["expired"] = row["expired"] or expired

    async def add_pricing_clicks(self, creator_id: uuid.UUID, day: date, clicks: int) -> None:
        self.pricing_clicks[(creator_id, day)] += clicks

    async def start_pricing_review(self, creator_id: uuid.UUID, now: datetime) -> bool:
        fresh = creator_id not in self.pricing_reviews
        self.pricing_reviews.add(creator_id)
        return fresh

    async def last_suggestions(self, creator_id: uuid.UUID) -> dict[str, tuple[int, str]]:
        return {k: (p, c) for k, (owner, p, c) in self.suggestions.items() if owner == creator_id}

    async def save_suggestion(self, creator_id: uuid.UUID, scope_key: str, price_cents: int, currency: str,
                              now: datetime) -> None:  # fmt: skip
        self.suggestions[scope_key] = (creator_id, price_cents, currency)

    async def pricing_currency(self, creator_id: uuid.UUID, since: datetime) -> str | None:
        found = Counter(o.currency for o in self.pricing_offers.values() if o.creator_id == creator_id)
        return found.most_common(1)[0][0] if found else None

    async def pricing_data(self, creator_id: uuid.UUID, currency: str, since: datetime, until: datetime) -> PricingData:
        groups: dict[tuple[str, str, int], list] = {}
        for o in self.pricing_offers.values():
            if o.creator_id == creator_id and o.currency == currency and since <= o.offered_at < until:
                g = groups.setdefault((o.segment, o.media_kind, o.price_cents), [0, 0, o.offered_at])
                g[0] += 1
                g[1] += int(o.unlocked_at is not None)
                g[2] = max(g[2], o.offered_at)
        subs = [
            SubscriptionRow(started, r["price"], bool(r["via"]), r["renewals"], r["expired"])
            for (c, _, started), r in self.pricing_subs.items()
            if c == creator_id and r["currency"] == currency and r["started"] and since <= started < until
        ]
        return PricingData(
            currency=currency, since=since, until=until,
            offers=tuple(OfferRow(s, k, p, g[0], g[1], g[2]) for (s, k, p), g in groups.items()),
            tips=tuple(g for c, g, cur, at in self.pricing_tips.values() if c == creator_id and cur == currency
                       and since <= at < until),
            subscriptions=tuple(subs),
            clicks={d: n for (c, d), n in self.pricing_clicks.items() if c == creator_id and since.date() <= d < until.date()},
        )  # fmt: skip

    async def erase_pricing_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
        for o in self.pricing_offers.values():
            if o.creator_id == creator_id and o.fan_id == fan_id:
                o.fan_id = None
        for key in [k for k in self.pricing_subs if k[0] == creator_id and k[1] == fan_id]:
            self.pricing_subs[(creator_id, uuid.uuid4(), key[2])] = self.pricing_subs.pop(key)
