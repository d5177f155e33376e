"""Paid offers on fakes: made and approved in one step, sent after the commit with their paid terms,
unlocked once by the sale that names them (whatever redelivers it), refunded to the cent, expired
by their timer — and the fan's media history."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from huntaze_events import FanRef, TransactionRecorded, TransactionRef
from huntaze_service import PermanentError
from huntaze_testkit.fakes import Clock, FakeWorker, envelope
from inbox import handlers
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.consumers import subscriptions
from inbox.guardrails import RestrictedText
from inbox.handlers import offers
from inbox.offers import OfferStatus, PriceOutOfRange, clean_media_ids

from .fakes import FakeInboxRepository
from .test_use_cases import CREATOR, USER, RecordingConnector, receive

MEDIA = [uuid.uuid4(), uuid.uuid4()]
SHIFT = uuid.uuid4()


def worker(connector: Any) -> FakeWorker[FakeInboxRepository]:
    return FakeWorker(FakeInboxRepository(), producer="inbox", subscriptions=subscriptions(connector), clock=Clock())


async def offered(w: FakeWorker[FakeInboxRepository], price: int = 1500, media: list[uuid.UUID] | None = None) -> Any:
    received = await handlers.receive_message(w.uow(), receive())
    cmd = offers.MakeOffer(CREATOR, USER, received.conversation_id, "the full set", price, media or MEDIA, SHIFT)
    return await offers.make_offer(w.uow(), cmd, DEFAULT_OFFER_TERMS)


def sale(
    offer: Any,
    *,
    gross: int = 1500,
    kind: str = "message",
    tx: uuid.UUID | None = None,
    fan: Any = None,
    ref: str | None = None,
    creator: uuid.UUID = CREATOR,
) -> Any:
    fan_id = fan or offer.fan_id
    return envelope(
        TransactionRecorded(
            transaction_id=tx or uuid.uuid4(),
            fan_id=fan_id,
            fan=FanRef(fan_id=fan_id, external_id="of_1", display_name="jake_88"),
            type=kind,
            gross_cents=gross,
            fee_cents=gross // 5,
            net_cents=gross - gross // 5,
            currency="USD",
            occurred_at=Clock()(),
            source="connector",
            ref=TransactionRef(kind="message", id=ref or str(offer.id)),
        ),
        producer="fans",
        creator_id=creator,
    )


async def test_an_offer_leaves_after_the_commit_with_its_terms_and_is_offered_once() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    offer = await offered(w)
    assert offer.status is OfferStatus.APPROVED and connector.sent == [] and w.emitted("ppv.offered") == []
    await w.run_calls()
    ((reply, key),) = connector.sent
    assert key == str(offer.id) and reply.draft_id is None and reply.text == "the full set"
    assert reply.paid is not None and reply.paid.price_cents == 1500 and list(reply.paid.media_ids) == MEDIA
    stored = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert stored.status is OfferStatus.SENT and stored.expires_at == stored.sent_at + DEFAULT_OFFER_TERMS.window
    (event,) = w.emitted("ppv.offered")
    assert event.payload.by.user_id == USER and event.payload.media_ids == MEDIA and event.payload.price_cents == 1500
    assert event.payload.by.shift_id == SHIFT, "who made it leave, and on which shift"
    (message,) = [m for m in w.repo.messages.values() if m.offer_id == offer.id]
    assert message.direction.value == "out" and stored.message_id == message.id
    # the outcome recorded again (a worker died after the commit) changes nothing
    await offers.record_offer_sent(w.uow(), _call(offer), "recording", DEFAULT_OFFER_TERMS)
    assert len(w.emitted("ppv.offered")) == 1 and len([m for m in w.repo.messages.values() if m.offer_id]) == 1


def _call(offer: Any) -> Any:
    from huntaze_service import Call
    from inbox.offers import SendOffer

    payload = SendOffer(
        offer_id=offer.id,
        conversation_id=offer.conversation_id,
        fan_id=offer.fan_id,
        fan_external_id="of_1",
        text=offer.text,
        price_cents=offer.price_cents,
        currency=offer.currency,
        media_ids=offer.media_ids,
    )
    return Call(offers.SEND_OFFER, str(offer.id), CREATOR, payload, 2, reconciling=True)


async def test_the_sale_naming_the_offer_unlocks_it_once_and_refunds_count_to_the_cent() -> None:
    w = worker(RecordingConnector())
    offer = await offered(w)
    await w.run_calls()
    tx = uuid.uuid4()
    await w.deliver(sale(offer, tx=tx))
    await w.deliver(sale(offer, tx=tx))  # the same transaction again (a replay with a new event id)
    stored = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert stored.status is OfferStatus.UNLOCKED and stored.unlock_transaction_id == tx
    assert (stored.gross_cents, stored.net_cents, stored.transactions) == (1500, 1200, 1)
    (unlocked,) = w.emitted("ppv.unlocked")
    assert unlocked.payload.gross_cents == 1500 and unlocked.payload.by.user_id == USER
    await w.deliver(sale(offer, gross=-1500, kind="refund"))
    stored = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert (stored.gross_cents, stored.net_cents, stored.status) == (0, 0, OfferStatus.UNLOCKED)
    assert len(w.emitted("ppv.unlocked")) == 1
    assert (offers.OFFER_EXPIRY, str(offer.id)) not in w.timers, "an unlocked offer's expiry is cancelled"


async def test_an_offer_not_unlocked_in_its_window_expires_and_a_late_unlock_still_counts() -> None:
    w = worker(RecordingConnector())
    offer = await offered(w)
    await w.run_calls()
    w.clock.advance(hours=71)
    assert await w.fire_due() == 0
    w.clock.advance(hours=2)
    assert await w.fire_due() == 1
    assert (await offers.get_offer(w.uow(), CREATOR, offer.id)).status is OfferStatus.EXPIRED
    await w.deliver(sale(offer))
    late = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert late.status is OfferStatus.UNLOCKED and late.gross_cents == 1500


async def test_an_unlock_reported_before_the_send_was_recorded_stays_unlocked() -> None:
    w = worker(RecordingConnector())
    offer = await offered(w)
    await w.deliver(sale(offer))
    await w.run_calls()
    stored = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert stored.status is OfferStatus.UNLOCKED and stored.sent_at is not None
    assert (offers.OFFER_EXPIRY, str(offer.id)) not in w.timers
    assert len(w.emitted("ppv.offered")) == len(w.emitted("ppv.unlocked")) == 1


async def test_sales_that_are_not_ours_are_ignored_and_wrong_ones_dead_lettered() -> None:
    w = worker(RecordingConnector())
    offer = await offered(w)
    await w.run_calls()
    await w.deliver(sale(offer, ref="of_msg_5521"))  # a paid message sent outside Huntaze
    await w.deliver(sale(offer, creator=uuid.uuid4()))  # another creator naming our offer's id
    assert (await offers.get_offer(w.uow(), CREATOR, offer.id)).status is OfferStatus.SENT
    with pytest.raises(PermanentError, match="another fan"):
        await offers.record_offer_transaction(w.uow(), sale(offer, fan=uuid.uuid4()))


async def test_a_refused_offer_shows_failed_with_the_reason() -> None:
    w = worker(RecordingConnector(refuse_with=422))
    offer = await offered(w)
    assert [o[2] for o in await w.run_calls()] == ["refused"]
    stored = await offers.get_offer(w.uow(), CREATOR, offer.id)
    assert stored.status is OfferStatus.FAILED and "422" in (stored.send_error or "")
    assert w.emitted("ppv.offered") == []


async def test_bad_offers_are_refused_before_anything_is_stored() -> None:
    w = worker(RecordingConnector())
    with pytest.raises(PriceOutOfRange):
        await offered(w, price=299)
    with pytest.raises(PriceOutOfRange):
        await offered(w, price=20001)
    w.repo.own_words[CREATOR] = ["snapchat"]
    received = await handlers.receive_message(w.uow(), receive())
    with pytest.raises(RestrictedText):
        cmd = offers.MakeOffer(CREATOR, USER, received.conversation_id, "add my Snapchat", 1500, MEDIA)
        await offers.make_offer(w.uow(), cmd, DEFAULT_OFFER_TERMS)
    with pytest.raises(handlers.NotFound):
        cmd = offers.MakeOffer(uuid.uuid4(), USER, received.conversation_id, "hi", 1500, MEDIA)
        await offers.make_offer(w.uow(), cmd, DEFAULT_OFFER_TERMS)
    assert w.repo.offers_by_id == {} and [k for k in w.timers if k[0] != "unanswered_check"] == []  # the fan waits still
    for media in ([], [MEDIA[0], MEDIA[0]], [uuid.uuid4() for _ in range(51)]):
        with pytest.raises(ValueError):
            clean_media_ids(media)


async def test_the_fans_media_history_says_what_reached_them_and_what_they_bought() -> None:
    w = worker(RecordingConnector())
    first = await offered(w, media=[MEDIA[0]])
    await w.run_calls()
    w.clock.advance(hours=1)
    second = await offers.make_offer(
        w.uow(), offers.MakeOffer(CREATOR, USER, first.conversation_id, "both", 2500, MEDIA), DEFAULT_OFFER_TERMS
    )
    await w.run_calls()
    await w.deliver(sale(second, gross=2500))
    listed, history = await offers.fan_offers(w.uow(), CREATOR, first.fan_id)
    assert [o.id for o in listed] == [second.id, first.id]
    by_media = {h.media_id: h for h in history}
    assert by_media[MEDIA[0]].sent == 2 and by_media[MEDIA[0]].bought_at is not None
    assert by_media[MEDIA[1]].sent == 1 and by_media[MEDIA[1]].offers == (second.id,)
    assert by_media[MEDIA[0]].first_sent_at == listed[1].sent_at
    assert listed[0].sent_at - listed[1].sent_at == timedelta(hours=1)
