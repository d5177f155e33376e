"""The usage history's use cases: the events that build it (never a call to another service) and the
queries the vault and the chatter's view read (rules: :mod:`.usage`).

Every fact is stored once by its own key, so the same fact arriving twice through different events
counts once: an offer by its offer id (``ppv.offered`` and ``ppv.unlocked`` both carry it), a sale
or a refund by its transaction id (``ppv.unlocked`` and ``transaction.recorded`` both carry the
unlock's), a mass message and a post by their ids. Totals are made at read time from these facts,
so an unlock's transaction may arrive before or after its offer and its ``ppv.unlocked``.

Erasure (``fan.erased``): the fan's id is taken off their offers and transactions and a tombstone
recorded (later events about the fan are stored without it); counts and money stay, as everywhere
(:mod:`huntaze_service.tombstones`). The content service holds no other personal data of a fan.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from huntaze_events import (
    Envelope,
    FanErased,
    FanProfileUpdated,
    MassMessageSent,
    PostPublished,
    PpvOffered,
    PpvUnlocked,
    TransactionRecorded,
)
from huntaze_service import Subscriptions, UnitOfWork
from huntaze_service.tombstones import erased_fan_of

from . import usage
from .usage import Flag, MassMessageFacts, MediaUsage, PostFacts, UnknownFan, UnknownMedia
from .usage_ports import MassMessageFact, OfferFact, OfferTransaction, PostFact, UsageRepository

Uow = UnitOfWork[UsageRepository]


# the events ---------------------------------------------------------------------------------------


def _offer(creator_id: uuid.UUID, p: PpvOffered | PpvUnlocked, fan_id: uuid.UUID | None) -> OfferFact:
    offered_at = p.sent_at if isinstance(p, PpvOffered) else p.offered_at
    return OfferFact(
        offer_id=p.offer_id,
        creator_id=creator_id,
        fan_id=fan_id,
        price_cents=p.price_cents,
        currency=p.currency,
        mass_message_id=p.mass_message_id,
        by_user_id=p.by.user_id,
        by_automation=p.by.automation,
        offered_at=offered_at,
        media_ids=tuple(dict.fromkeys(p.media_ids)),
    )


async def _pseudonyms(uow: Uow, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each fan's id as it may be stored: None for an erased fan."""
    erased = await uow.repo.erased_among(sorted(set(fan_ids)))
    return {f: None if f in erased else f for f in fan_ids}


async def record_offers(uow: Uow, events: Sequence[Envelope[PpvOffered]]) -> None:
    """Each offer once: its media were put in front of its fan, at its price."""
    fans = await _pseudonyms(uow, [e.payload.fan_id for e in events])
    offers = {e.payload.offer_id: _offer(e.creator_id, e.payload, fans[e.payload.fan_id]) for e in events}
    await uow.repo.add_offers([offers[k] for k in sorted(offers)])
    await uow.repo.add_fans([(e.creator_id, e.payload.fan_id) for e in events])


def offer_id_of(tx: TransactionRecorded) -> uuid.UUID | None:
    """The offer a transaction names (``ref`` of kind ``message`` holding an offer id), if any: the
    connector's own message ids (paid messages not sent through Huntaze) are not offers."""
    if tx.ref is None or tx.ref.kind != "message":
        return None
    try:
        return uuid.UUID(tx.ref.id)
    except ValueError:
        return None


async def record_unlocks(uow: Uow, events: Sequence[Envelope[PpvUnlocked]]) -> None:
    """The offer (it may come before ``ppv.offered``) and its unlock's sale, by its transaction id (the
    same one ``transaction.recorded`` brings: counted once)."""
    fans = await _pseudonyms(uow, [e.payload.fan_id for e in events])
    offers: dict[uuid.UUID, OfferFact] = {}
    sales: dict[uuid.UUID, OfferTransaction] = {}
    for e in events:
        p, fan = e.payload, fans[e.payload.fan_id]
        offers[p.offer_id] = _offer(e.creator_id, p, fan)
        sales[p.transaction_id] = OfferTransaction(
            p.transaction_id, e.creator_id, p.offer_id, fan, "message", p.gross_cents, p.net_cents, p.currency,
            p.unlocked_at,
        )  # fmt: skip
    await uow.repo.add_offers([offers[k] for k in sorted(offers)])
    await uow.repo.add_offer_transactions([sales[k] for k in sorted(sales)])
    await uow.repo.add_fans([(e.creator_id, e.payload.fan_id) for e in events])


async def record_transactions(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
    """Sales, refunds and chargebacks naming an offer (kept even before the offer is known); the rest
    is not the usage history's business."""
    named = [(e, offer_id) for e in events if (offer_id := offer_id_of(e.payload)) is not None]
    if not named:
        return
    fans = await _pseudonyms(uow, [e.payload.fan_id for e, _ in named])
    txs = {
        t.transaction_id: OfferTransaction(
            t.transaction_id,
            e.creator_id,
            offer_id,
            fans[t.fan_id],
            t.type,
            t.gross_cents,
            t.net_cents,
            t.currency,
            t.occurred_at,
        )  # fmt: skip
        for e, offer_id in named
        if (t := e.payload)
    }
    await uow.repo.add_offer_transactions([txs[k] for k in sorted(txs)])
    await uow.repo.add_fans([(e.creator_id, e.payload.fan_id) for e, _ in named])


async def record_fans(uow: Uow, events: Sequence[Envelope[FanProfileUpdated]]) -> None:
    """The creator's fans (their ids only): who the per-fan routes answer for."""
    await uow.repo.add_fans([(e.creator_id, e.payload.fan_id) for e in events])


async def record_mass_messages(uow: Uow, events: Sequence[Envelope[MassMessageSent]]) -> None:
    """A finished (or cancelled) mass message with media: its final counts (once)."""
    found = {}
    for e in events:
        p = e.payload
        if not p.media_ids:
            continue
        facts = MassMessageFacts(
            p.mass_message_id, p.status, p.recipients, p.sent, p.failed, p.skipped, p.cancelled, p.price_cents,
            p.currency, p.started_at, p.finished_at,
        )  # fmt: skip
        found[p.mass_message_id] = MassMessageFact(e.creator_id, facts, tuple(dict.fromkeys(p.media_ids)))
    await uow.repo.add_mass_messages([found[k] for k in sorted(found)])


async def record_posts(uow: Uow, events: Sequence[Envelope[PostPublished]]) -> None:
    """A social post with media went live (once, a reconciled one included)."""
    found = {}
    for e in events:
        p = e.payload
        if not p.media_ids:
            continue
        facts = PostFacts(p.post_id, p.account_id, p.network, p.network_post_id, p.published_at)
        found[p.post_id] = PostFact(e.creator_id, facts, tuple(dict.fromkeys(p.media_ids)))
    await uow.repo.add_posts([found[k] for k in sorted(found)])


async def erase_fan(uow: Uow, event: Envelope[FanErased]) -> None:
    """The fan's id off their offers and transactions, and the tombstone (one transaction)."""
    await uow.repo.erase_fan_usage(erased_fan_of(event), now=uow.now())


def subscribe(subs: Subscriptions) -> None:
    """The usage history's subscriptions (names prefixed ``usage_``: one consumer group each)."""

    @subs.on_batch(PpvOffered, name="usage_offers")
    async def usage_offers(uow: Any, events: Sequence[Envelope[PpvOffered]]) -> None:
        """Each offer once: which media reached which fan, at which price."""
        await record_offers(uow, events)

    @subs.on_batch(PpvUnlocked, name="usage_unlocks")
    async def usage_unlocks(uow: Any, events: Sequence[Envelope[PpvUnlocked]]) -> None:
        """The fan bought an offer's media: the offer and its sale (by transaction id)."""
        await record_unlocks(uow, events)

    @subs.on_batch(TransactionRecorded, name="usage_transactions")
    async def usage_transactions(uow: Any, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Sales, refunds and chargebacks naming an offer (its revenue), each once by transaction id."""
        await record_transactions(uow, events)

    @subs.on_batch(MassMessageSent, name="usage_mass_messages")
    async def usage_mass_messages(uow: Any, events: Sequence[Envelope[MassMessageSent]]) -> None:
        """A mass message with media finished: its counts and price."""
        await record_mass_messages(uow, events)

    @subs.on_batch(PostPublished, name="usage_posts")
    async def usage_posts(uow: Any, events: Sequence[Envelope[PostPublished]]) -> None:
        """A social post with media was published."""
        await record_posts(uow, events)

    @subs.on_batch(FanProfileUpdated, name="usage_fans")
    async def usage_fans(uow: Any, events: Sequence[Envelope[FanProfileUpdated]]) -> None:
        """The creator's fans, by id: another creator's fan is not found."""
        await record_fans(uow, events)

    @subs.on(FanErased, name="usage_fan_erasure", batch_size=1)
    async def usage_fan_erasure(uow: Any, event: Envelope[FanErased]) -> None:
        """A fan was erased: their id leaves the usage history; counts and money stay."""
        await erase_fan(uow, event)


# the queries (the vault's routes and ours) ------------------------------------------------------------


async def usage_of(uow: Uow, creator_id: uuid.UUID, media_id: uuid.UUID) -> MediaUsage:
    """The medium's history; :class:`UnknownMedia` for an id this creator never used nor filed."""
    if not await uow.repo.media_known(creator_id, media_id):
        raise UnknownMedia(media_id)
    return usage.history(media_id, await uow.repo.usage_facts(creator_id, media_id))


async def fan_flags(
    uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Flag]:
    """Among ``media_ids`` (1 to :data:`usage.MAX_FLAG_MEDIA`), those the fan was sent or bought;
    media with neither are absent. :class:`UnknownFan` for a fan not this creator's (checked first),
    ValueError for an empty or oversize list."""
    if not await uow.repo.fan_known(creator_id, fan_id):
        raise UnknownFan(fan_id)
    wanted = usage.checked_media_ids(media_ids)
    return usage.flags(await uow.repo.fan_offers(creator_id, fan_id, wanted))


async def sold_among(uow: Uow, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these media are sold (an unlock not fully refunded); for SQL, see
    :func:`content.adapters.usage_sql.sold_condition`."""
    return await uow.repo.sold_among(creator_id, list(dict.fromkeys(media_ids))) if media_ids else set()
