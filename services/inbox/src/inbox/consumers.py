"""Everything the inbox consumes, in one place."""

from __future__ import annotations

from typing import Any

from huntaze_events import Envelope, ReplyApproved, ReplyDrafted
from huntaze_service import HandlerContext, RetryPolicy, Subscriptions

from . import handlers
from .adapters.connector import OutboundConnector


def subscriptions(connector: OutboundConnector, send_max_attempts: int = 8) -> Subscriptions[Any]:
    subs: Subscriptions[Any] = Subscriptions()

    @subs.on(ReplyDrafted, name="drafts")
    async def drafts(ctx: HandlerContext, event: Envelope[ReplyDrafted]) -> None:
        """Adds each AI draft to its conversation, waiting for a person's approval."""
        await handlers.record_draft(ctx, event)

    # One reply per transaction, so a failure never makes the connector receive the others twice;
    # the connector may be down for a while: retry longer than the default before dead-lettering.
    @subs.on(
        ReplyApproved,
        name="outbound",
        retry=RetryPolicy(max_attempts=send_max_attempts, initial_backoff_s=0.5, max_backoff_s=30),
        batch_size=1,
    )
    async def outbound(ctx: HandlerContext, event: Envelope[ReplyApproved]) -> None:
        """Sends approved replies through the outbound connector and records reply.sent."""
        await handlers.send_approved_reply(ctx, event, connector)

    return subs
