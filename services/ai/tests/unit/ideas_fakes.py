"""An in-memory read model of what sells (the ai repository's ideas part), mixed into FakeAiRepository."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime

from ai.fan_facts import FanFacts
from ai.idea_facts import Conversions, MediaInfo, SalesData, Unlock


class FakeIdeaFacts:
    facts: dict[uuid.UUID, FanFacts]

    def __init__(self) -> None:
        super().__init__()
        self.sales: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID | None, datetime, int, str]] = {}
        self.unlocks: dict[uuid.UUID, tuple[uuid.UUID, Unlock, datetime]] = {}
        self.media: dict[uuid.UUID, tuple[uuid.UUID, MediaInfo, int]] = {}
        self.posts: dict[uuid.UUID, tuple[uuid.UUID, str, datetime]] = {}
        self.conversions: dict[
            tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID | None, uuid.UUID | None, str | None, datetime]
        ] = {}
        self.answers: dict[uuid.UUID, dict[str, object]] = {}

    async def add_idea_sale(self, creator_id, transaction_id, fan_id, occurred_at, net_cents, currency) -> None:  # type: ignore[no-untyped-def]
        self.sales.setdefault(transaction_id, (creator_id, fan_id, occurred_at, net_cents, currency))

    async def add_idea_unlock(
        self, creator_id, offer_id, fan_id, media_ids, price_cents, net_cents, currency, unlocked_at
    ) -> None:  # type: ignore[no-untyped-def]
        self.unlocks.setdefault(
            offer_id, (creator_id, Unlock(tuple(media_ids), net_cents, price_cents, currency, fan_id), unlocked_at)
        )

    async def set_idea_media(self, creator_id, media_id, title, tags, revision, deleted) -> None:  # type: ignore[no-untyped-def]
        kept = self.media.get(media_id)
        if kept is None or (kept[0] == creator_id and kept[2] < revision):
            self.media[media_id] = (creator_id, MediaInfo(title, tuple(tags)), revision)

    async def add_idea_post(self, creator_id, post_id, network, published_at) -> None:  # type: ignore[no-untyped-def]
        self.posts.setdefault(post_id, (creator_id, network, published_at))

    async def add_idea_conversion(self, creator_id, key_fan_id, fan_id, post_id, network, converted_at) -> None:  # type: ignore[no-untyped-def]
        self.conversions.setdefault((creator_id, key_fan_id), (fan_id, post_id, network, converted_at))

    async def sales_data(self, creator_id: uuid.UUID) -> SalesData:
        unlocks = [u for c, u, _ in sorted(self.unlocks.values(), key=lambda x: x[2], reverse=True) if c == creator_id]
        ids = {m for u in unlocks for m in u.media_ids}
        media = {m: info for m, (c, info, _) in self.media.items() if c == creator_id and m in ids}
        segments = {f: self.facts[f].segments for u in unlocks if (f := u.fan_id) is not None and f in self.facts}
        hours: Counter[tuple[int, str]] = Counter()
        for c, _, at, net, currency in self.sales.values():
            if c == creator_id:
                hours[(at.astimezone(UTC).hour, currency)] += net
        counts: Counter[tuple[uuid.UUID | None, str | None, int | None]] = Counter()
        spent: dict[tuple[uuid.UUID | None, str | None], Counter[str]] = defaultdict(Counter)
        for (c, _), (fan, post_id, network, since) in self.conversions.items():
            if c != creator_id:
                continue
            post = self.posts.get(post_id) if post_id else None
            network = post[1] if post else network
            counts[(post_id, network, post[2].hour if post else None)] += 1
            for sc, sfan, at, net, currency in self.sales.values():
                if sc == c and fan is not None and sfan == fan and at >= since:
                    spent[(post_id, network)][currency] += net
        by_network: Counter[str] = Counter()
        network_spent: dict[str, Counter[str]] = defaultdict(Counter)
        posts = []
        for (post_id, network, hour), n in counts.items():
            if network is None:
                continue
            by_network[network] += n
            network_spent[network].update(spent[(post_id, network)])
            if post_id is not None:
                posts.append(Conversions(network, n, dict(spent[(post_id, network)]), post_id, hour))
        networks = [Conversions(n, by_network[n], dict(network_spent[n])) for n in sorted(by_network)]
        return SalesData(unlocks, media, segments, dict(hours), networks, posts)

    async def ideas_answered(self, request_id: uuid.UUID) -> bool:
        return request_id in self.answers

    async def add_ideas_answer(self, request_id, creator_id, *, target, provider, model, ideas, now) -> bool:  # type: ignore[no-untyped-def]
        if request_id in self.answers:
            return False
        self.answers[request_id] = {"creator_id": creator_id, "target": target, "provider": provider, "ideas": ideas}
        return True
