"""Mass messages: created with their audience, expanded at ``send_at`` (a durable timer) into one
delivery per fan, handed to the connector by a pump at the configured rate (each delivery an
external call keyed ``<mass id>:<fan id>``), cancellable until every delivery is handed over.

Exactly once per fan: a delivery is claimed (``pending`` → ``queued``) and its call recorded in the
same transaction; the call's key is the same on every attempt, so the connector drops a repeat
after a crash; its outcome is recorded once (a second ``sent`` for the same delivery changes
nothing). A paid delivery is an offer (``mass_message_id`` set), so its unlock, revenue and expiry
are the offers' own (:mod:`inbox.handlers.offers`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from huntaze_events import MassMessageSent, OfferBy, PpvOffered
from huntaze_service import Call, Timer, entitlements, vault_media

from ..config import MassPace, OfferTerms
from ..domain import Direction, Message
from ..guardrails import RestrictedText, find_restricted
from ..mass import (
    SAMPLE,
    Audience,
    DeliveryStatus,
    EmptyAudience,
    MassMessage,
    MassStats,
    MassStatus,
    Recipient,
    SendDelivery,
    render,
)
from ..offers import OFFER_CURRENCY, Offer, OfferStatus, clean_media_ids
from . import price_tests
from .base import NotFound, Uow
from .mass_plan import announce
from .offers import OFFER_EXPIRY

SEND_DELIVERY = "send_mass_delivery"
MASS_EXPAND = "mass_expand"
MASS_PUMP = "mass_pump"
PAST_TOLERANCE = timedelta(minutes=1)


class SendAtInPast(ValueError):
    def __init__(self) -> None:
        super().__init__("send_at is in the past: omit it to send now")


@dataclass(frozen=True)
class NewMassMessage:
    creator_id: uuid.UUID
    user_id: uuid.UUID
    audience: Audience
    text: str
    price_cents: int | None
    media_ids: list[uuid.UUID]
    send_at: datetime | None
    shift_id: uuid.UUID | None = None
    experiment_id: uuid.UUID | None = None


def _key(mass_id: uuid.UUID, fan_id: uuid.UUID) -> str:
    return f"{mass_id}:{fan_id}"


async def _check(uow: Uow, cmd: NewMassMessage, terms: OfferTerms) -> tuple[uuid.UUID, ...]:
    if cmd.experiment_id is not None:
        await price_tests.arms(uow, cmd.creator_id, cmd.experiment_id, terms)  # raises when it cannot price
    if cmd.price_cents is not None:
        terms.prices.check(cmd.price_cents)
        media = clean_media_ids(cmd.media_ids)
    else:
        media = tuple(cmd.media_ids) if not cmd.media_ids else clean_media_ids(cmd.media_ids)
    await vault_media.check(uow, cmd.creator_id, media)
    custom = [s for s in (*cmd.audience.segments, *cmd.audience.exclude_segments) if s.startswith("custom:")]
    cmd.audience.check(await uow.repo.known_custom_segments(cmd.creator_id, custom) if custom else set())
    if cmd.send_at is not None and cmd.send_at < uow.now() - PAST_TOLERANCE:
        raise SendAtInPast()
    restricted = find_restricted(cmd.text, await uow.repo.restricted_words(cmd.creator_id))
    if restricted is not None:
        raise RestrictedText(restricted)
    return media


async def preview(uow: Uow, cmd: NewMassMessage, terms: OfferTerms) -> tuple[int, list[Recipient]]:
    """How many fans it would reach now, and ten of them — nothing is stored."""
    media = await _check(uow, cmd, terms)
    return await uow.repo.audience(cmd.creator_id, cmd.audience, media, uow.now(), SAMPLE)


async def create(uow: Uow, cmd: NewMassMessage, terms: OfferTerms) -> MassMessage:
    """Stores the mass message and its expansion timer (at ``send_at``, or now), counted against the
    plan's ``mass_messages_per_month``. Raises PriceOutOfRange, MediaRefused
    (:mod:`huntaze_service.vault_media`), UnknownSegment, SendAtInPast, RestrictedText, EmptyAudience,
    PlanLimitReached (the month's count used), ValueError."""
    media = await _check(uow, cmd, terms)
    now = uow.now()
    count, _ = await uow.repo.audience(cmd.creator_id, cmd.audience, media, now, 0)
    if count == 0:
        raise EmptyAudience()
    # one of the month's mass messages (huntaze_service.entitlements: exact, whoever creates at once)
    entitlements.require(await entitlements.reserve(uow, cmd.creator_id, "mass_messages", now))
    arms = await price_tests.arms(uow, cmd.creator_id, cmd.experiment_id, terms) if cmd.experiment_id else ()
    m = MassMessage(
        id=uuid.uuid4(),
        creator_id=cmd.creator_id,
        audience=cmd.audience,
        text=cmd.text,
        price_cents=arms[0] if arms else cmd.price_cents,
        experiment_id=cmd.experiment_id,
        experiment_arms=arms,
        media_ids=media,
        send_at=max(cmd.send_at or now, now),
        status=MassStatus.SCHEDULED,
        created_at=now,
        created_by=cmd.user_id,
        created_shift_id=cmd.shift_id,
        recipients=count,
    )
    await uow.repo.add_mass_message(m, OFFER_CURRENCY)
    uow.schedule(MASS_EXPAND, key=str(m.id), at=m.send_at, tenant=m.creator_id)
    announce(uow, m)
    await uow.commit()
    return m


async def expand(uow: Uow, timer: Timer[None], pace: MassPace) -> None:
    """``send_at`` came: one delivery per fan of the audience as it is now, then the pump starts."""
    m = await uow.repo.mass_message(timer.tenant, uuid.UUID(timer.key), lock=True)
    if m is None or m.status is not MassStatus.SCHEDULED or m.send_at > uow.now():
        return  # cancelled before it started, or moved later (its timer moved with it)
    now = uow.now()
    m.recipients = await uow.repo.expand(m, now)
    m.status = MassStatus.SENDING
    m.started_at = now
    await uow.repo.save_mass_message(m)
    uow.schedule(MASS_PUMP, key=str(m.id), at=now, tenant=m.creator_id)


async def pump(uow: Uow, timer: Timer[None], pace: MassPace) -> None:
    """Hands the next ``rate × tick`` deliveries over (records their calls), skipping fans who bought
    these media since the expansion; finishes the mass message when nothing is left in flight."""
    m = await uow.repo.mass_message(timer.tenant, uuid.UUID(timer.key), lock=True)
    if m is None or m.status is not MassStatus.SENDING:
        return
    now = uow.now()
    claimed = await uow.repo.claim_deliveries(m.id, pace.per_tick, now)
    bought: set[uuid.UUID] = set()
    if claimed and m.audience.exclude_bought_media and m.media_ids:
        bought = await uow.repo.bought_any(m.creator_id, [d.fan_id for d in claimed], m.media_ids)
    for d in claimed:
        if d.fan_id in bought:
            await uow.repo.settle_delivery(m.id, d.fan_id, DeliveryStatus.SKIPPED, "bought_meanwhile")
            continue
        uow.call(
            SEND_DELIVERY,
            key=_key(m.id, d.fan_id),
            tenant=m.creator_id,
            payload=SendDelivery(
                mass_message_id=m.id,
                fan_id=d.fan_id,
                fan_external_id=d.external_id,
                fan_display_name=d.display_name,
                text=render(m.text, name=d.display_name),
                price_cents=m.price_for(d.fan_id),
                currency=OFFER_CURRENCY,
                media_ids=m.media_ids,
                offer_id=d.offer_id,
                experiment_id=m.experiment_id,
            ),
        )
    left = await uow.repo.unsettled(m.id)
    if not left and not claimed:
        _finish(uow, m, now, await uow.repo.mass_stats(m))
        await uow.repo.save_mass_message(m)
        return
    uow.schedule(MASS_PUMP, key=str(m.id), at=now + pace.tick, tenant=m.creator_id)


def _finish(uow: Uow, m: MassMessage, now: datetime, stats: MassStats) -> None:
    if m.status is MassStatus.SENDING:
        m.status = MassStatus.DONE
        m.finished_at = now
    uow.emit(
        MassMessageSent(
            mass_message_id=m.id,
            status=m.status.value,
            recipients=m.recipients,
            sent=stats.by_status.get(DeliveryStatus.SENT.value, 0),
            failed=stats.by_status.get(DeliveryStatus.FAILED.value, 0),
            skipped=stats.by_status.get(DeliveryStatus.SKIPPED.value, 0),
            cancelled=stats.by_status.get(DeliveryStatus.CANCELLED.value, 0),
            price_cents=m.price_cents,
            currency=OFFER_CURRENCY,
            media_ids=list(m.media_ids),
            created_by=m.created_by,
            shift_id=m.created_shift_id,
            started_at=m.started_at or now,
            finished_at=m.finished_at or now,
        ),
        creator_id=m.creator_id,
    )


async def cancel(uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, mass_id: uuid.UUID) -> MassMessage:
    """Stops it: deliveries not handed over are cancelled (their recorded calls dropped); those
    already in the connector's hands finish. Raises NotFound, NotCancellable."""
    m = await uow.repo.mass_message(creator_id, mass_id, lock=True)
    if m is None:
        raise NotFound("mass message")
    was_sending = m.status is MassStatus.SENDING
    was_scheduled = m.status is MassStatus.SCHEDULED
    now = uow.now()
    m.cancel(at=now, by=user_id)
    if was_scheduled:  # never sent: the month's count gets it back
        await entitlements.release(uow, creator_id, "mass_messages", m.created_at)
    uow.cancel(MASS_EXPAND, key=str(m.id))
    uow.cancel(MASS_PUMP, key=str(m.id))
    for fan_id in await uow.repo.cancel_deliveries(m.id):
        uow.cancel(SEND_DELIVERY, key=_key(m.id, fan_id))
    await uow.repo.save_mass_message(m)
    if was_sending:
        _finish(uow, m, now, await uow.repo.mass_stats(m))
    else:
        announce(uow, m)  # cancelled before it started: the calendar shows it cancelled
    await uow.commit()
    return m


# the send_mass_delivery call's outcome -------------------------------------------------------------------


async def record_delivery_sent(uow: Uow, call: Call[SendDelivery], delivery: str, terms: OfferTerms) -> None:
    """The connector took one fan's copy: an outbound message in their conversation (created if it is
    the first), and for a paid one an offer (ppv.offered, its expiry timer) — once."""
    d = call.payload
    tenant = call.tenant
    stored = await uow.repo.delivery(d.mass_message_id, d.fan_id, lock=True)
    if stored is None or stored.status is DeliveryStatus.SENT:
        return
    now = uow.now()
    conversation_id = await uow.repo.outbound_conversation(tenant, d.fan_id, d.fan_external_id, d.fan_display_name, now)
    if conversation_id is None:  # erased meanwhile: nothing of the fan is stored
        await uow.repo.settle_delivery(d.mass_message_id, d.fan_id, DeliveryStatus.SKIPPED, "fan_erased")
        return
    message_id = uuid.uuid4()
    await uow.repo.add_message(
        Message(message_id, tenant, conversation_id, Direction.OUT, d.text, now, now, offer_id=d.offer_id)
    )
    await uow.repo.count_outgoing(conversation_id, now)
    await uow.repo.settle_delivery(d.mass_message_id, d.fan_id, DeliveryStatus.SENT)
    if d.offer_id is None or d.price_cents is None:
        return
    m = await uow.repo.mass_message(tenant, d.mass_message_id)
    offer = Offer(
        id=d.offer_id,
        creator_id=tenant,
        conversation_id=conversation_id,
        fan_id=d.fan_id,
        text=d.text,
        price_cents=d.price_cents,
        currency=d.currency,
        media_ids=d.media_ids,
        status=OfferStatus.SENT,
        created_at=now,
        created_by=m.created_by if m else None,
        shift_id=m.created_shift_id if m else None,
        mass_message_id=d.mass_message_id,
        sent_at=now,
        expires_at=now + terms.window,
        message_id=message_id,
        delivery=delivery,
    )
    await uow.repo.add_offer(offer)
    uow.schedule(OFFER_EXPIRY, key=str(offer.id), at=offer.expires_at, tenant=tenant)  # type: ignore[arg-type]
    uow.emit(
        PpvOffered(
            offer_id=offer.id,
            conversation_id=conversation_id,
            fan_id=d.fan_id,
            text=d.text,
            price_cents=d.price_cents,
            currency=d.currency,
            media_ids=list(d.media_ids),
            by=OfferBy(user_id=offer.created_by, shift_id=offer.shift_id),
            mass_message_id=d.mass_message_id,
            sent_at=now,
            expires_at=offer.expires_at,  # type: ignore[arg-type]
            experiment_id=d.experiment_id,
        ),
        creator_id=tenant,
    )


async def record_delivery_failure(uow: Uow, call: Call[SendDelivery], error: str) -> None:
    d = call.payload
    stored = await uow.repo.delivery(d.mass_message_id, d.fan_id, lock=True)
    if stored is None or stored.status is DeliveryStatus.SENT:
        return
    await uow.repo.settle_delivery(d.mass_message_id, d.fan_id, DeliveryStatus.FAILED, error[:300])


# queries ------------------------------------------------------------------------------------------------


async def get(uow: Uow, creator_id: uuid.UUID, mass_id: uuid.UUID) -> tuple[MassMessage, MassStats]:
    m = await uow.repo.mass_message(creator_id, mass_id)
    if m is None:
        raise NotFound("mass message")
    return m, await uow.repo.mass_stats(m)
