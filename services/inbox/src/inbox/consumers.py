"""Everything the inbox workers do, in one place."""

from __future__ import annotations

from huntaze_events import Envelope, FanErased, ReplyDrafted
from huntaze_service import Call, CallFailed, RetryPolicy, Subscriptions

from . import erasure, handlers
from .adapters.connector import ConnectorError, OutboundConnector, OutboundReply
from .domain import SendReply


def subscriptions(
    connector: OutboundConnector, *, send_attempts: int = 8, send_timeout_s: float = 12.0
) -> Subscriptions:
    subs = Subscriptions()

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
        retry=RetryPolicy(max_attempts=send_attempts, initial_backoff_s=0.5, max_backoff_s=60.0),
    )
    return subs
