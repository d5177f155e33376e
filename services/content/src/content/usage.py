"""The usage history of a medium, and what a fan already has of it (pure rules, no I/O).

Built from events only: an offer (``ppv.offered``) puts its media in front of one fan, locked at a
price; the fan's unlock (``ppv.unlocked``, or the ``transaction.recorded`` whose ``ref`` names the
offer, whichever comes first) makes it bought; refunds and chargebacks naming the offer subtract
their (negative) amounts; a mass message (``massmessage.sent``) and a social post
(``post.published``) used it too.

- An offer is **sent** once stored; **bought** when at least one sale (a transaction that is not a
  refund or a chargeback) names it; **refunded** when bought and its transactions no longer sum above
  zero. Its revenue is the exact sum of its transactions, per currency, in minor units. A bundle's
  revenue counts in full for each of its media (splitting it is media ROI's business).
- A medium is **sold** when one of its offers is bought and not fully refunded.
- A fan's flag for a medium is ``bought`` when an offer to them containing it was unlocked (a later
  refund does not take back what they saw), else ``sent`` when an offer to them contained it (one to
  one or as a delivery of a mass message), else none. A free mass message has no per-fan event: it
  sets no flag.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Flag = Literal["sent", "bought"]
REVERSALS = frozenset({"refund", "chargeback"})
MAX_FLAG_MEDIA = 200
"""How many media one flags request may ask about: a page of the vault (a bundle is at most 50)."""
RECENT_USES = 100
"""How many mass messages and posts a history lists (the most recent; the totals count them all)."""


class UnknownMedia(LookupError):
    """No medium with this id for this creator (answered 404)."""


class UnknownFan(LookupError):
    """No fan with this id for this creator (answered 404)."""


@dataclass(frozen=True)
class Money:
    currency: str
    gross_cents: int
    net_cents: int


@dataclass(frozen=True)
class OfferGroup:
    """The offers containing a medium that share a mass message (or none), a price and a currency."""

    mass_message_id: uuid.UUID | None
    price_cents: int
    currency: str
    sent: int
    bought: int
    refunded: int
    gross_cents: int
    net_cents: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class PriceStats:
    price_cents: int
    currency: str
    sent: int
    bought: int
    unlock_rate: float | None


@dataclass(frozen=True)
class OfferStats:
    sent: int
    bought: int
    refunded: int
    unlock_rate: float | None
    """bought ÷ sent (None: never sent)."""
    revenue: tuple[Money, ...]
    """Per currency, refunds subtracted."""
    by_price: tuple[PriceStats, ...]


@dataclass(frozen=True)
class MassMessageFacts:
    """A mass message as ``massmessage.sent`` reported it (its final counts)."""

    mass_message_id: uuid.UUID
    status: str
    recipients: int
    sent: int
    failed: int
    skipped: int
    cancelled: int
    price_cents: int | None
    currency: str
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class MassMessageUsage:
    mass_message_id: uuid.UUID
    status: str
    """``done`` or ``cancelled`` (``massmessage.sent``), or ``sending``: only its offers are known yet."""
    facts: MassMessageFacts | None
    offers: OfferStats
    """Its paid deliveries (offers) of this medium."""
    at: datetime


@dataclass(frozen=True)
class PostFacts:
    post_id: uuid.UUID
    account_id: uuid.UUID
    network: str
    network_post_id: str
    published_at: datetime


@dataclass(frozen=True)
class UsageFacts:
    """What the repository knows of one medium of one creator."""

    offer_groups: Sequence[OfferGroup]
    mass_messages: Sequence[MassMessageFacts]
    """All of them (people make mass messages: a medium is in a few)."""
    posts: Sequence[PostFacts]
    """The most recent :data:`RECENT_USES`, newest first."""
    post_count: int
    first_used_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class MediaUsage:
    media_id: uuid.UUID
    offers: OfferStats
    mass_messages: tuple[MassMessageUsage, ...]
    """Newest first."""
    mass_message_count: int
    posts: tuple[PostFacts, ...]
    post_count: int
    first_used_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class FanOffer:
    """One medium of one offer to a fan, and whether that offer was unlocked."""

    media_id: uuid.UUID
    bought: bool


# offers -------------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def offer_state(transactions: Iterable[tuple[str, int]]) -> tuple[bool, bool]:
    """(bought, refunded) of an offer from its counted transactions' (type, gross_cents)."""
    txs = list(transactions)
    bought = any(kind not in REVERSALS for kind, _ in txs)
    return bought, bought and sum(gross for _, gross in txs) <= 0


def offer_stats(groups: Iterable[OfferGroup]) -> OfferStats:
    groups = list(groups)
    revenue: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    prices: dict[tuple[int, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for g in groups:
        gross, net = revenue[g.currency]
        revenue[g.currency] = (gross + g.gross_cents, net + g.net_cents)
        sent, bought = prices[(g.price_cents, g.currency)]
        prices[(g.price_cents, g.currency)] = (sent + g.sent, bought + g.bought)
    sent, bought = sum(g.sent for g in groups), sum(g.bought for g in groups)
    return OfferStats(
        sent=sent,
        bought=bought,
        refunded=sum(g.refunded for g in groups),
        unlock_rate=rate(bought, sent),
        revenue=tuple(Money(c, gross, net) for c, (gross, net) in sorted(revenue.items())),
        by_price=tuple(
            PriceStats(price, currency, s, b, rate(b, s)) for (price, currency), (s, b) in sorted(prices.items())
        ),
    )


# the history ----------------------------------------------------------------------------------------


def mass_message_usages(
    facts: Iterable[MassMessageFacts], groups: Iterable[OfferGroup]
) -> tuple[MassMessageUsage, ...]:
    """Every mass message that used the medium: the finished ones, and those whose deliveries are
    known before their end (``sending``), each with its offers of this medium; newest first."""
    by_mass: dict[uuid.UUID, list[OfferGroup]] = defaultdict(list)
    for g in groups:
        if g.mass_message_id is not None:
            by_mass[g.mass_message_id].append(g)
    known = {f.mass_message_id: f for f in facts}
    usages = []
    for mass_id in known.keys() | by_mass.keys():
        fact, mine = known.get(mass_id), by_mass.get(mass_id, [])
        at = fact.started_at if fact is not None else min(g.first_at for g in mine)
        status = fact.status if fact is not None else "sending"
        usages.append(MassMessageUsage(mass_id, status, fact, offer_stats(mine), at))
    return tuple(sorted(usages, key=lambda u: (u.at, u.mass_message_id), reverse=True))


def history(media_id: uuid.UUID, facts: UsageFacts) -> MediaUsage:
    masses = mass_message_usages(facts.mass_messages, facts.offer_groups)
    return MediaUsage(
        media_id=media_id,
        offers=offer_stats(facts.offer_groups),
        mass_messages=masses[:RECENT_USES],
        mass_message_count=len(masses),
        posts=tuple(sorted(facts.posts, key=lambda p: (p.published_at, p.post_id), reverse=True)),
        post_count=facts.post_count,
        first_used_at=facts.first_used_at,
        last_used_at=facts.last_used_at,
    )


# a fan's flags --------------------------------------------------------------------------------------


def flags(offers: Iterable[FanOffer]) -> dict[uuid.UUID, Flag]:
    """Per medium the fan had offered: ``bought`` wins over ``sent``; media never offered are absent."""
    found: dict[uuid.UUID, Flag] = {}
    for o in offers:
        if o.bought:
            found[o.media_id] = "bought"
        else:
            found.setdefault(o.media_id, "sent")
    return found


def checked_media_ids(media_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The media a flags request asks about, each once, in the order given; 1 to :data:`MAX_FLAG_MEDIA`."""
    unique = list(dict.fromkeys(media_ids))
    if not unique:
        raise ValueError("name at least one media_id")
    if len(unique) > MAX_FLAG_MEDIA:
        raise ValueError(f"at most {MAX_FLAG_MEDIA} media ids per request")
    return unique
