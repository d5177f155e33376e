"""What sells for a creator, as facts content ideas start from (pure rules).

The ai service's own read model of other services' events (never a call to them): unlocks of paid
media (``ppv.unlocked``) with the titles and tags of that media (``media.uploaded``/``media.updated``),
the segments of the fans who bought (``fan.segment_changed``), revenue by hour of day
(``transaction.recorded``), and the posts that brought subscribers (``post.published``,
``conversion.tracked``). :func:`facts_of` turns what the repository read into :class:`IdeaFacts`:

- best-selling themes: each tag of the media an unlock held earns that unlock's net revenue (once
  per unlock), so a tag's weight is what the media carrying it sold;
- segments that buy: the unlocking fans' segments, by the revenue of their unlocks;
- hours that sell: net revenue by hour of day (UTC), reversals subtracted;
- networks and posts that converted: conversions by network and post, with what those fans spent.

Money is integer minor units of one currency: the creator's main one (where most revenue is).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median_low

from pydantic import BaseModel, ConfigDict, Field

TOP_THEMES = 5
TOP_SEGMENTS = 3
TOP_HOURS = 3
TOP_NETWORKS = 3
TOP_POSTS = 3
EXAMPLE_TITLES = 3

NETWORK_NAMES = {"onlyfans": "OnlyFans", "instagram": "Instagram", "tiktok": "TikTok", "x": "X", "reddit": "Reddit"}
SEGMENT_NAMES = {
    "whales": "whales (top spenders)",
    "new": "new subscribers",
    "expiring": "fans whose subscription is ending",
    "lapsed": "lapsed fans",
    "never_spent": "fans who never spent",
}


# --- what the repository reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Unlock:
    media_ids: tuple[uuid.UUID, ...]
    net_cents: int
    price_cents: int
    currency: str
    fan_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MediaInfo:
    title: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversions:
    """Subscribers a network's (or a post's) links brought, and what they spent since."""

    network: str | None
    conversions: int
    revenue: Mapping[str, int] = field(default_factory=dict)
    """Net revenue of those subscribers since they came, by currency."""
    post_id: uuid.UUID | None = None
    published_hour: int | None = None


@dataclass(frozen=True)
class SalesData:
    """The creator's read model, as the repository read it for one request."""

    unlocks: Sequence[Unlock] = ()
    media: Mapping[uuid.UUID, MediaInfo] = field(default_factory=dict)
    segments: Mapping[uuid.UUID, tuple[str, ...]] = field(default_factory=dict)
    """Each unlocking fan's segments (now)."""
    hours: Mapping[tuple[int, str], int] = field(default_factory=dict)
    """Net revenue by (hour of day UTC, currency)."""
    networks: Sequence[Conversions] = ()
    posts: Sequence[Conversions] = ()


# --- the facts (fixed in the generation call's payload) ------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ThemeFact(_Frozen):
    tag: str
    revenue_cents: int
    unlocks: int
    typical_price_cents: int = Field(description="The median price of its unlocks.")
    titles: tuple[str, ...] = ()
    """Titles of the media that sold it (best sellers first)."""


class SegmentFact(_Frozen):
    segment: str
    revenue_cents: int
    buyers: int


class HourFact(_Frozen):
    hour: int = Field(ge=0, le=23)
    revenue_cents: int


class NetworkFact(_Frozen):
    network: str
    conversions: int
    revenue_cents: int


class PostFact(_Frozen):
    post_id: uuid.UUID
    network: str
    conversions: int
    revenue_cents: int
    published_hour: int | None = None


class IdeaFacts(_Frozen):
    currency: str = "USD"
    themes: tuple[ThemeFact, ...] = ()
    segments: tuple[SegmentFact, ...] = ()
    hours: tuple[HourFact, ...] = ()
    networks: tuple[NetworkFact, ...] = ()
    posts: tuple[PostFact, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.themes or self.segments or self.hours or self.networks or self.posts)

    def best_theme(self) -> ThemeFact | None:
        return self.themes[0] if self.themes else None

    def best_hour(self) -> HourFact | None:
        return self.hours[0] if self.hours else None

    def best_segment(self) -> SegmentFact | None:
        return self.segments[0] if self.segments else None

    def best_network(self) -> NetworkFact | None:
        return self.networks[0] if self.networks else None

    def in_words(self) -> list[str]:
        """The facts as sentences (what an idea is ``grounded_on``)."""
        words = []
        if t := self.best_theme():
            words.append(theme_words(t, self.currency))
        if h := self.best_hour():
            words.append(hour_words(h, self.currency))
        if s := self.best_segment():
            words.append(segment_words(s, self.currency))
        if n := self.best_network():
            words.append(network_words(n, self.currency))
        return words


def money(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d} {currency}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def theme_words(t: ThemeFact, currency: str) -> str:
    return f"best-selling theme: “{t.tag}” ({money(t.revenue_cents, currency)} net from {plural(t.unlocks, 'unlock')})"


def hour_words(h: HourFact, currency: str) -> str:
    return f"best hour: {h.hour:02d}:00 UTC ({money(h.revenue_cents, currency)} net at that hour)"


def segment_words(s: SegmentFact, currency: str) -> str:
    name = segment_name(s.segment)
    return f"segment that buys: {name} ({plural(s.buyers, 'buyer')}, {money(s.revenue_cents, currency)} net)"


def network_words(n: NetworkFact, currency: str) -> str:
    name = NETWORK_NAMES.get(n.network, n.network)
    spent = money(n.revenue_cents, currency)
    return f"posts that converted: {name} ({plural(n.conversions, 'subscriber')}, {spent} net since)"


def segment_name(segment: str) -> str:
    return SEGMENT_NAMES.get(segment, segment.removeprefix("custom:"))


# --- the rules -------------------------------------------------------------------------------------------


def main_currency(data: SalesData) -> str:
    by_currency: Counter[str] = Counter()
    for u in data.unlocks:
        by_currency[u.currency] += u.net_cents
    for (_, currency), cents in data.hours.items():
        by_currency[currency] += cents
    return max(sorted(by_currency), key=lambda c: by_currency[c]) if by_currency else "USD"


def facts_of(data: SalesData) -> IdeaFacts:
    currency = main_currency(data)
    unlocks = [u for u in data.unlocks if u.currency == currency]
    return IdeaFacts(
        currency=currency,
        themes=_themes(unlocks, data.media),
        segments=_segments(unlocks, data.segments),
        hours=tuple(
            HourFact(hour=h, revenue_cents=c)
            for (h, cur), c in sorted(data.hours.items(), key=lambda kv: (-kv[1], kv[0][0]))
            if cur == currency and c > 0
        )[:TOP_HOURS],
        networks=tuple(
            NetworkFact(network=n.network, conversions=n.conversions, revenue_cents=n.revenue.get(currency, 0))
            for n in sorted(data.networks, key=lambda n: (-n.revenue.get(currency, 0), -n.conversions, n.network or ""))
            if n.network and n.conversions > 0
        )[:TOP_NETWORKS],
        posts=tuple(
            PostFact(
                post_id=p.post_id,
                network=p.network,
                conversions=p.conversions,
                revenue_cents=p.revenue.get(currency, 0),
                published_hour=p.published_hour,
            )
            for p in sorted(data.posts, key=lambda p: (-p.revenue.get(currency, 0), -p.conversions, str(p.post_id)))
            if p.post_id is not None and p.network and p.conversions > 0
        )[:TOP_POSTS],
    )


def _themes(unlocks: Sequence[Unlock], media: Mapping[uuid.UUID, MediaInfo]) -> tuple[ThemeFact, ...]:
    revenue: Counter[str] = Counter()
    count: Counter[str] = Counter()
    prices: dict[str, list[int]] = defaultdict(list)
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    spelling: dict[str, str] = {}
    for u in unlocks:
        tags: dict[str, str] = {}
        for media_id in u.media_ids:
            info = media.get(media_id)
            if info is None:
                continue
            for tag in info.tags:
                key = tag.strip().casefold()
                if key:
                    tags.setdefault(key, tag.strip())
                    titles[key][info.title] += u.net_cents
        for key, tag in tags.items():  # a tag earns an unlock's revenue once, however many media carry it
            spelling.setdefault(key, tag)
            revenue[key] += u.net_cents
            count[key] += 1
            prices[key].append(u.price_cents)
    ranked = sorted((k for k in revenue if revenue[k] > 0), key=lambda k: (-revenue[k], -count[k], k))
    return tuple(
        ThemeFact(
            tag=spelling[k],
            revenue_cents=revenue[k],
            unlocks=count[k],
            typical_price_cents=median_low(prices[k]),
            titles=tuple(t for t, _ in sorted(titles[k].items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLE_TITLES]),
        )
        for k in ranked[:TOP_THEMES]
    )


def _segments(unlocks: Sequence[Unlock], segments: Mapping[uuid.UUID, tuple[str, ...]]) -> tuple[SegmentFact, ...]:
    revenue: Counter[str] = Counter()
    buyers: dict[str, set[uuid.UUID]] = defaultdict(set)
    for u in unlocks:
        if u.fan_id is None:
            continue
        for segment in segments.get(u.fan_id, ()):
            revenue[segment] += u.net_cents
            buyers[segment].add(u.fan_id)
    ranked = sorted((s for s in revenue if revenue[s] > 0), key=lambda s: (-revenue[s], -len(buyers[s]), s))
    return tuple(SegmentFact(segment=s, revenue_cents=revenue[s], buyers=len(buyers[s])) for s in ranked[:TOP_SEGMENTS])
