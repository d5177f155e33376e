"""The ai's read model for pricing, kept from other services' events (never a call to them).

* PPV offers (``ppv.offered``) and their unlocks (``ppv.unlocked``, which may arrive first: each
  event fills what it knows, the unlock alone is enough to count an offer), with the price, the
  offer's media kind (``media.uploaded``/``media.updated``: all photos, all videos, a bundle, or mixed)
  and the fan's main segment when it was offered (the fans read model of :mod:`ai.fan_facts`);
* tips (``transaction.recorded`` of type tip or stream tip): what fans actually give;
* subscriptions (``subscription.started``/``renewed``/``expired``) with their price and whether a
  tracking link or a trial brought them; tracking-link clicks per day (``link.clicked``, robots left
  out): the visitors those subscribers converted from.

Every write is idempotent: a redelivered event changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import (
    Envelope,
    LinkClicked,
    MediaUpdated,
    MediaUploaded,
    PpvOffered,
    PpvUnlocked,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)

from ..handlers import Uow

SEGMENT_ORDER = ("whales", "new", "expiring", "lapsed")
"""A fan in several segments is priced with the first one here; a fan in none is ``others``."""
TIP_TYPES = frozenset({"tip", "stream_tip"})


def main_segment(segments: Sequence[str]) -> str:
    return next((s for s in SEGMENT_ORDER if s in segments), "others")


def kind_of(kinds: Sequence[str | None]) -> str:
    """One kind for an offer's media: theirs when they share one, ``mixed`` otherwise, ``unknown``
    while a medium is not in the read model yet."""
    if not kinds or any(k is None for k in kinds):
        return "unknown"
    distinct = set(kinds)
    return distinct.pop() if len(distinct) == 1 else "mixed"  # type: ignore[return-value]


async def _context(uow: Uow, fan_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> tuple[str, str]:
    facts = (await uow.repo.fan_facts([fan_id])).get(fan_id)
    kinds = await uow.repo.pricing_media_kinds(media_ids)
    return main_segment(facts.segments if facts else ()), kind_of([kinds.get(m) for m in media_ids])


async def record_offers(uow: Uow, events: Sequence[Envelope[PpvOffered]] | Sequence[Envelope[PpvUnlocked]]) -> None:
    """Offers, or unlocks, of a batch — in offer id order: the offers and the unlocks consumers write the
    same rows, and taking their locks in one order keeps two batches from deadlocking."""
    for event in sorted(events, key=lambda e: e.payload.offer_id):
        p = event.payload
        segment, kind = await _context(uow, p.fan_id, p.media_ids)
        if isinstance(p, PpvUnlocked):
            offered_at, unlocked_at, experiment = p.offered_at, p.unlocked_at, None
        else:
            offered_at, unlocked_at, experiment = p.sent_at, None, p.experiment_id
        await uow.repo.add_pricing_offer(event.creator_id, p.offer_id, p.fan_id, p.price_cents, p.currency, kind,
                                         segment, offered_at, unlocked_at=unlocked_at, experiment_id=experiment)  # fmt: skip


async def record_media(uow: Uow, event: Envelope[MediaUploaded] | Envelope[MediaUpdated]) -> None:
    await uow.repo.set_pricing_media(event.creator_id, event.payload.media_id, event.payload.kind)


async def record_tip(uow: Uow, event: Envelope[TransactionRecorded]) -> None:
    p = event.payload
    if p.type in TIP_TYPES and p.gross_cents > 0:
        await uow.repo.add_pricing_tip(event.creator_id, p.transaction_id, p.gross_cents, p.currency, p.occurred_at)


async def record_subscription(
    uow: Uow, event: Envelope[SubscriptionStarted] | Envelope[SubscriptionRenewed] | Envelope[SubscriptionExpired]
) -> None:
    """One row per subscription (fan, start): its price, whether a link or a trial brought it, how many
    times it renewed and whether it ended. The three events may arrive in any order; each adds what it
    knows (the consumer's idempotency makes a renewal count once)."""
    p = event.payload
    if not p.price_cents:
        return  # free trials and unknown prices say nothing about a price
    started = isinstance(p, SubscriptionStarted)
    via = bool(p.via and (p.via.tracking_link or p.via.trial)) if isinstance(p, SubscriptionStarted) else None
    await uow.repo.upsert_pricing_subscription(
        event.creator_id, p.fan_id, p.started_at, p.price_cents, p.currency,
        via=via, renewed=isinstance(p, SubscriptionRenewed), expired=isinstance(p, SubscriptionExpired),
        started=started,
    )  # fmt: skip


async def record_clicks(uow: Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
    days: dict[tuple[uuid.UUID, object], int] = {}
    for e in events:
        if not e.payload.bot:
            key = (e.creator_id, e.payload.clicked_at.date())
            days[key] = days.get(key, 0) + 1
    for (creator, day), clicks in days.items():
        await uow.repo.add_pricing_clicks(creator, day, clicks)  # type: ignore[arg-type]
