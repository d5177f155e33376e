"""Paid messages (PPV) one to one: made and approved by a person, sent through the connector like a
reply (the ``send_offer`` call), unlocked by the transaction that names them, expired by a timer.

Exactly once: the send's idempotency key is the offer id; ``ppv.offered`` is emitted when the sent
outcome is first recorded; an unlock transaction counts once per (offer, transaction) whatever
redelivers it, and ``ppv.unlocked`` is emitted only by the first sale.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from huntaze_events import REVERSAL_TYPES, Envelope, OfferBy, PpvOffered, PpvUnlocked, TransactionRecorded
from huntaze_service import Call, PermanentError, Timer, vault_media

from ..config import OfferTerms
from ..domain import Direction, Message
from ..guardrails import RestrictedText, find_restricted
from ..offers import OFFER_CURRENCY, MediaHistory, Offer, OfferStatus, SendOffer, clean_media_ids, media_history
from . import automations, unanswered, whales
from .base import NotFound, Uow

SEND_OFFER = "send_offer"
OFFER_EXPIRY = "offer_expiry"


@dataclass(frozen=True)
class MakeOffer:
    creator_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    text: str
    price_cents: int
    media_ids: list[uuid.UUID]
    shift_id: uuid.UUID | None = None


async def make_offer(uow: Uow, cmd: MakeOffer, terms: OfferTerms) -> Offer:
    """A person offers media at a price in a conversation: stored ``approved`` and its sending
    recorded, in one transaction. Raises NotFound (another creator's conversation, or an erased
    fan's: it is gone), PriceOutOfRange, ValueError (media), MediaRefused (another creator's or a
    deleted medium: :mod:`huntaze_service.vault_media`), RestrictedText."""
    terms.prices.check(cmd.price_cents)
    media_ids = clean_media_ids(cmd.media_ids)
    conversation = await uow.repo.conversation(cmd.creator_id, cmd.conversation_id)
    if conversation is None:
        raise NotFound("conversation")
    await vault_media.check(uow, cmd.creator_id, media_ids)
    restricted = find_restricted(cmd.text, await uow.repo.restricted_words(cmd.creator_id))
    if restricted is not None:
        raise RestrictedText(restricted)
    offer = Offer(
        id=uuid.uuid4(),
        creator_id=cmd.creator_id,
        conversation_id=conversation.id,
        fan_id=conversation.fan_id,
        text=cmd.text,
        price_cents=cmd.price_cents,
        currency=OFFER_CURRENCY,
        media_ids=media_ids,
        status=OfferStatus.APPROVED,
        created_at=uow.now(),
        created_by=cmd.user_id,
        shift_id=cmd.shift_id,
    )
    await uow.repo.add_offer(offer)
    await whales.on_answered(uow, conversation.id, offer.created_at)  # a person answered: the priority clears
    await unanswered.on_answered(uow, conversation.id, offer.created_at)  # ... and the fan no longer waits
    uow.call(
        SEND_OFFER,
        key=str(offer.id),
        payload=SendOffer(
            offer_id=offer.id,
            conversation_id=conversation.id,
            fan_id=conversation.fan_id,
            fan_external_id=conversation.fan_external_id,
            text=offer.text,
            price_cents=offer.price_cents,
            currency=offer.currency,
            media_ids=offer.media_ids,
        ),
        tenant=cmd.creator_id,
        order_key=str(conversation.id),
    )
    await uow.commit()
    return offer


def _by(offer: Offer) -> OfferBy:
    return OfferBy(user_id=offer.created_by, shift_id=offer.shift_id, automation=offer.automation)


# the send_offer call's outcome ------------------------------------------------------------------------


async def record_offer_sent(uow: Uow, call: Call[SendOffer], delivery: str, terms: OfferTerms) -> None:
    """The connector took the offer: it becomes an outbound message of the conversation, ``sent``
    until unlocked or expired (a durable timer), and ppv.offered is emitted — once."""
    offer = await uow.repo.offer(call.tenant, call.payload.offer_id, lock=True)
    if offer is None or offer.handed_over:
        return
    now = uow.now()
    message_id = uuid.uuid4()
    await uow.repo.add_message(
        Message(message_id, call.tenant, offer.conversation_id, Direction.OUT, offer.text, now, now, offer_id=offer.id)
    )
    await uow.repo.count_outgoing(offer.conversation_id, now)
    offer.mark_sent(at=now, expires_at=now + terms.window, message_id=message_id, delivery=delivery)
    await uow.repo.save_offer(offer)
    if offer.status is OfferStatus.SENT:
        uow.schedule(OFFER_EXPIRY, key=str(offer.id), at=offer.expires_at, tenant=call.tenant)
    assert offer.sent_at is not None and offer.expires_at is not None
    uow.emit(
        PpvOffered(
            offer_id=offer.id,
            conversation_id=offer.conversation_id,
            fan_id=offer.fan_id,
            text=offer.text,
            price_cents=offer.price_cents,
            currency=offer.currency,
            media_ids=list(offer.media_ids),
            by=_by(offer),
            mass_message_id=offer.mass_message_id,
            sent_at=offer.sent_at,
            expires_at=offer.expires_at,
        ),
        creator_id=call.tenant,
    )
    await automations.on_offer_sent(uow, offer)  # its follow-up, when the creator switched it on


async def record_offer_failure(uow: Uow, call: Call[SendOffer], error: str) -> None:
    """The connector refused the offer, or kept failing: it shows ``failed`` and why."""
    offer = await uow.repo.offer(call.tenant, call.payload.offer_id, lock=True)
    if offer is None or offer.handed_over or offer.status is OfferStatus.UNLOCKED:
        return
    offer.status = OfferStatus.FAILED
    offer.send_error = error[:500]
    await uow.repo.save_offer(offer)


# unlocks and expiry -------------------------------------------------------------------------------------


def offer_id_of(event: TransactionRecorded) -> uuid.UUID | None:
    """The offer a transaction names (``ref`` of kind ``message`` holding an offer id), if any."""
    ref = event.ref
    if ref is None or ref.kind != "message":
        return None
    try:
        return uuid.UUID(ref.id)
    except ValueError:
        return None  # the connector's own message id: a paid message not sent through Huntaze


async def record_offer_transaction(uow: Uow, event: Envelope[TransactionRecorded]) -> None:
    """A sale (or its refund) names one of our offers: its revenue moves by the exact amounts, and the
    first sale unlocks it (ppv.unlocked). Another creator's offer, or none of ours, is ignored; a
    transaction of another fan or currency than the offer's is dead-lettered (it is wrong data)."""
    tx = event.payload
    offer_id = offer_id_of(tx)
    if offer_id is None:
        return
    offer = await uow.repo.offer(event.creator_id, offer_id, lock=True)
    if offer is None:
        return
    if tx.fan_id != offer.fan_id:
        raise PermanentError(
            f"transaction {tx.transaction_id} of fan {tx.fan_id} names offer {offer.id} of another fan"
        )
    if tx.currency != offer.currency:
        raise PermanentError(
            f"transaction {tx.transaction_id} in {tx.currency} names offer {offer.id} in {offer.currency}"
        )
    if not await uow.repo.count_offer_transaction(offer.id, tx.transaction_id):
        return  # this transaction was counted already
    unlocked = offer.add_transaction(
        transaction_id=tx.transaction_id,
        gross_cents=tx.gross_cents,
        net_cents=tx.net_cents,
        reversal=tx.type in REVERSAL_TYPES,
        at=tx.occurred_at,
    )
    await uow.repo.save_offer(offer)
    if not unlocked:
        return
    uow.cancel(OFFER_EXPIRY, key=str(offer.id))
    uow.emit(
        PpvUnlocked(
            offer_id=offer.id,
            conversation_id=offer.conversation_id,
            fan_id=offer.fan_id,
            transaction_id=tx.transaction_id,
            price_cents=offer.price_cents,
            gross_cents=tx.gross_cents,
            net_cents=tx.net_cents,
            currency=offer.currency,
            media_ids=list(offer.media_ids),
            by=_by(offer),
            mass_message_id=offer.mass_message_id,
            offered_at=offer.sent_at or offer.created_at,
            unlocked_at=tx.occurred_at,
        ),
        cause=event,
    )


async def expire_offer(uow: Uow, timer: Timer[None]) -> None:
    """The offer window ended: a ``sent`` offer becomes ``expired`` (an unlocked one stays)."""
    offer = await uow.repo.offer(timer.tenant, uuid.UUID(timer.key), lock=True)
    if offer is not None and offer.expire():
        await uow.repo.save_offer(offer)


# queries ------------------------------------------------------------------------------------------------


async def get_offer(uow: Uow, creator_id: uuid.UUID, offer_id: uuid.UUID) -> Offer:
    offer = await uow.repo.offer(creator_id, offer_id)
    if offer is None:
        raise NotFound("offer")
    return offer


async def fan_offers(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[list[Offer], list[MediaHistory]]:
    """The fan's offers (newest first) and, per medium, what reached them and what they bought."""
    offers = await uow.repo.fan_offers(creator_id, fan_id)
    return offers, media_history(offers)
