"""Everything the inbox workers do, in one place."""

from __future__ import annotations

from datetime import timedelta

from huntaze_events import (
    AutomationTextWritten,
    Envelope,
    FanErased,
    FanProfileUpdated,
    FanSegmentChanged,
    MassMessageMoveRequested,
    PriceExperimentEnded,
    PriceExperimentStarted,
    ReplyDrafted,
    ReplyWithheld,
    ShiftCancelled,
    ShiftScheduled,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Call, CallFailed, RetryPolicy, Subscriptions, Timer, entitlements, vault_media

from . import erasure, handlers
from .adapters.connector import ConnectorError, OutboundConnector, OutboundReply, PaidTerms
from .config import DEFAULT_MASS_PACE, DEFAULT_OFFER_TERMS, MassPace, OfferTerms
from .domain import SendReply
from .handlers import (
    audience,
    automations,
    mass_calendar,
    mass_messages,
    offers,
    price_tests,
    quota,
    unanswered,
    whales,
)
from .mass import SendDelivery
from .offers import SendOffer
from .unanswered import UNANSWERED_AFTER


def subscriptions(
    connector: OutboundConnector,
    *,
    terms: OfferTerms = DEFAULT_OFFER_TERMS,
    pace: MassPace = DEFAULT_MASS_PACE,
    send_attempts: int = 8,
    send_timeout_s: float = 12.0,
    unanswered_after: timedelta = UNANSWERED_AFTER,
) -> Subscriptions:
    subs = Subscriptions()
    send_retry = RetryPolicy(max_attempts=send_attempts, initial_backoff_s=0.5, max_backoff_s=60.0)

    async def hand_over(message: OutboundReply, idempotency_key: str) -> str:
        """One message to the connector; its refusals and failures as the chassis' CallFailed (a
        refusal is permanent, a 429 says when to try again). Returns the adapter that delivered it."""
        try:
            await connector.send(message, idempotency_key=idempotency_key)
        except ConnectorError as exc:
            raise CallFailed(str(exc), permanent=exc.permanent, retry_after_s=exc.retry_after_s) from exc
        return connector.name

    @subs.on(FanErased, name="fan_erasure", batch_size=1)
    async def fan_erasure(uow: handlers.Uow, event: Envelope[FanErased]) -> None:
        """Deletes the fan's conversations, messages and drafts and records the tombstone (one
        transaction per erasure); nothing of the fan is stored afterwards."""
        await erasure.erase_fan(uow, event)

    @subs.on(ReplyDrafted, name="drafts")
    async def drafts(uow: handlers.Uow, event: Envelope[ReplyDrafted]) -> None:
        """Adds each AI draft to its conversation, waiting for a person's approval."""
        await handlers.record_draft(uow, event)

    @subs.on(ReplyWithheld, name="withheld_replies")
    async def withheld_replies(uow: handlers.Uow, event: Envelope[ReplyWithheld]) -> None:
        """The AI wrote no draft (the plan's AI drafts used this month): the message shows
        ``quota_reached`` for a person to answer; an automation run waiting for its text is skipped."""
        await quota.on_reply_withheld(uow, event)

    entitlements.subscribe(subs)  # entitlements: mass_messages_per_month, autopilot

    async def send(call: Call[SendReply]) -> str:
        """Hands an approved reply to the outbound connector, with the approval's idempotency key:
        a repeat after a crash is dropped by the connector."""
        s = call.payload
        reply = OutboundReply(s.draft_id, call.tenant, s.conversation_id, s.fan_id, s.fan_external_id, s.text)
        return await hand_over(reply, call.idempotency_key)

    subs.call(
        handlers.SEND_REPLY,
        SendReply,
        remote=send,
        on_result=handlers.record_sent,
        on_failure=handlers.record_send_failure,
        timeout_s=send_timeout_s,
        retry=send_retry,
    )

    @subs.on(TransactionRecorded, name="offer_sales")
    async def offer_sales(uow: handlers.Uow, event: Envelope[TransactionRecorded]) -> None:
        """A sale or its refund naming one of our offers: the offer's revenue, and its unlock (ppv.unlocked)."""
        await offers.record_offer_transaction(uow, event)

    @subs.timer(offers.OFFER_EXPIRY)
    async def offer_expiry(uow: handlers.Uow, timer: Timer[None]) -> None:
        """An offer still locked at the end of its window shows ``expired``."""
        await offers.expire_offer(uow, timer)

    async def send_offer(call: Call[SendOffer]) -> str:
        """Hands an offer to the outbound connector, locked at its price; the idempotency key is the
        offer id, so a repeat after a crash is dropped by the connector."""
        o = call.payload
        paid = PaidTerms(o.offer_id, o.price_cents, o.currency, o.media_ids)
        offer = OutboundReply(None, call.tenant, o.conversation_id, o.fan_id, o.fan_external_id, o.text, paid)
        return await hand_over(offer, call.idempotency_key)

    async def offer_sent(uow: handlers.Uow, call: Call[SendOffer], delivery: str) -> None:
        await offers.record_offer_sent(uow, call, delivery, terms)

    subs.call(
        offers.SEND_OFFER,
        SendOffer,
        remote=send_offer,
        on_result=offer_sent,
        on_failure=offers.record_offer_failure,
        timeout_s=send_timeout_s,
        retry=send_retry,
    )

    # mass messages ------------------------------------------------------------------------------------
    @subs.on(FanProfileUpdated, name="audience_profiles")
    async def audience_profiles(uow: handlers.Uow, event: Envelope[FanProfileUpdated]) -> None:
        """Who each fan is, for mass messages (their OnlyFans id and name)."""
        await audience.record_profile(uow, event)

    @subs.on(FanSegmentChanged, name="audience_segments")
    async def audience_segments(uow: handlers.Uow, event: Envelope[FanSegmentChanged]) -> None:
        """Which segments each fan is in, for mass-message audiences; entering ``expiring`` or
        ``lapsed`` triggers ``win_back`` or ``re_engage`` (when switched on)."""
        await audience.record_segment(uow, event)

    # whale routing: who is on shift (the fan's segments come from audience_segments above)
    @subs.on(ShiftScheduled, name="whale_shifts")
    async def whale_shifts(uow: handlers.Uow, event: Envelope[ShiftScheduled]) -> None:
        """Keeps each shift on this creator account: whale messages go to the people on shift."""
        await whales.record_shift(uow, event)

    @subs.on(ShiftCancelled, name="whale_shifts_cancelled")
    async def whale_shifts_cancelled(uow: handlers.Uow, event: Envelope[ShiftCancelled]) -> None:
        """A cancelled shift no longer counts (even if it arrives before its scheduling)."""
        await whales.record_shift(uow, event)

    @subs.timer(unanswered.UNANSWERED_CHECK)
    async def unanswered_check(uow: handlers.Uow, timer: Timer[None]) -> None:
        """A fan's wait reached the threshold (or a creator account's follow-up is due): reply.overdue
        for the people on shift, once per cool-down."""
        await unanswered.check(uow, timer.tenant, unanswered_after, uow.now())

    # the media vault's read model (offers and mass messages naming another creator's media are refused)
    vault_media.subscribe(subs)  # vault_media_uploaded, vault_media_updated

    @subs.timer(mass_messages.MASS_EXPAND)
    async def mass_expand(uow: handlers.Uow, timer: Timer[None]) -> None:
        """A mass message's send_at: one delivery per fan of its audience, then the pump starts."""
        await mass_messages.expand(uow, timer, pace)

    @subs.timer(mass_messages.MASS_PUMP)
    async def mass_pump(uow: handlers.Uow, timer: Timer[None]) -> None:
        """Hands the next deliveries of a mass message to the connector, at the configured rate."""
        await mass_messages.pump(uow, timer, pace)

    async def send_delivery(call: Call[SendDelivery]) -> str:
        """Hands one fan's copy of a mass message to the connector (paid when it has a price); the
        key ``<mass id>:<fan id>`` is the same on every attempt."""
        d = call.payload
        paid = None
        if d.offer_id is not None and d.price_cents is not None:
            paid = PaidTerms(d.offer_id, d.price_cents, d.currency, d.media_ids)
        copy = OutboundReply(None, call.tenant, None, d.fan_id, d.fan_external_id, d.text, paid, d.mass_message_id)
        return await hand_over(copy, call.idempotency_key)

    async def delivery_sent(uow: handlers.Uow, call: Call[SendDelivery], delivery: str) -> None:
        await mass_messages.record_delivery_sent(uow, call, delivery, terms)

    subs.call(
        mass_messages.SEND_DELIVERY,
        SendDelivery,
        remote=send_delivery,
        on_result=delivery_sent,
        on_failure=mass_messages.record_delivery_failure,
        timeout_s=send_timeout_s,
        retry=send_retry,
    )

    @subs.on(MassMessageMoveRequested, name="calendar_moves")
    async def calendar_moves(uow: handlers.Uow, event: Envelope[MassMessageMoveRequested]) -> None:
        """A mass message moved in the calendar: its send_at and expansion timer move while it is
        scheduled (never into the past), answered massmessage.scheduled or massmessage.command_refused
        — once per command."""
        await mass_calendar.move(uow, event)

    @subs.on(PriceExperimentStarted, name="price_tests_started")
    async def price_tests_started(uow: handlers.Uow, event: Envelope[PriceExperimentStarted]) -> None:
        """A price test began: mass messages may name it (each fan offered their arm's price)."""
        await price_tests.record_started(uow, event)

    @subs.on(PriceExperimentEnded, name="price_tests_ended")
    async def price_tests_ended(uow: handlers.Uow, event: Envelope[PriceExperimentEnded]) -> None:
        """A price test ended: new mass messages may no longer name it."""
        await price_tests.record_ended(uow, event)

    # automations ----------------------------------------------------------------------------------
    @subs.on(SubscriptionStarted, name="automation_welcome")
    async def automation_welcome(uow: handlers.Uow, event: Envelope[SubscriptionStarted]) -> None:
        """A new subscriber: the ``welcome`` automation's run (once per subscription start)."""
        await automations.on_subscription_started(uow, event)

    @subs.on(TransactionRecorded, name="automation_purchases")
    async def automation_purchases(uow: handlers.Uow, event: Envelope[TransactionRecorded]) -> None:
        """A purchase above the creator's amount: the ``thank_you`` automation's run (once per sale)."""
        await automations.on_transaction(uow, event)

    @subs.timer(automations.AUTOMATION_FIRE)
    async def automation_fire(uow: handlers.Uow, timer: Timer[None]) -> None:
        """A run's time: a draft, an autopilot send within the caps and outside quiet hours, a wait
        until the quiet hours end, or nothing when its reason is gone."""
        await automations.fire(uow, timer)

    @subs.on(AutomationTextWritten, name="automation_texts")
    async def automation_texts(uow: handlers.Uow, event: Envelope[AutomationTextWritten]) -> None:
        """The AI wrote an automation's message: a draft, or an autopilot send when nothing in it
        needs a person and the bounds allow (once per run)."""
        await automations.on_text_written(uow, event)

    return subs
