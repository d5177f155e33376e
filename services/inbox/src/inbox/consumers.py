"""Everything the inbox workers do, in one place."""

from __future__ import annotations

from huntaze_events import Envelope, FanErased, ReplyDrafted, TransactionRecorded
from huntaze_service import Call, CallFailed, RetryPolicy, Subscriptions, Timer

from . import erasure, handlers
from .adapters.connector import ConnectorError, OutboundConnector, OutboundReply, PaidTerms
from .config import DEFAULT_OFFER_TERMS, OfferTerms
from .domain import SendReply
from .handlers import offers
from .offers import SendOffer


def subscriptions(
    connector: OutboundConnector,
    *,
    terms: OfferTerms = DEFAULT_OFFER_TERMS,
    send_attempts: int = 8,
    send_timeout_s: float = 12.0,
) -> Subscriptions:
    subs = Subscriptions()
    send_retry = RetryPolicy(max_attempts=send_attempts, initial_backoff_s=0.5, max_backoff_s=60.0)

    @subs.on(FanErased, name="fan_erasure", batch_size=1)
    async def fan_erasure(uow: handlers.Uow, event: Envelope[FanErased]) -> None:
        """Deletes the fan's conversations, messages and drafts and records the tombstone (one
        transaction per erasure); nothing of the fan is stored afterwards."""
        await erasure.erase_fan(uow, event)

    @subs.on(ReplyDrafted, name="drafts")
    async def drafts(uow: handlers.Uow, event: Envelope[ReplyDrafted]) -> None:
        """Adds each AI draft to its conversation, waiting for a person's approval."""
        await handlers.record_draft(uow, event)

    async def send(call: Call[SendReply]) -> str:
        """Hands an approved reply to the outbound connector, with the approval's idempotency key:
        a repeat after a crash is dropped by the connector."""
        s = call.payload
        try:
            await connector.send(
                OutboundReply(s.draft_id, call.tenant, s.conversation_id, s.fan_id, s.fan_external_id, s.text),
                idempotency_key=call.idempotency_key,
            )
        except ConnectorError as exc:
            raise CallFailed(str(exc), permanent=exc.permanent, retry_after_s=exc.retry_after_s) from exc
        return connector.name

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
        try:
            await connector.send(
                OutboundReply(None, call.tenant, o.conversation_id, o.fan_id, o.fan_external_id, o.text, paid),
                idempotency_key=call.idempotency_key,
            )
        except ConnectorError as exc:
            raise CallFailed(str(exc), permanent=exc.permanent, retry_after_s=exc.retry_after_s) from exc
        return connector.name

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
    return subs
