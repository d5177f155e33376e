"""Everything the ai service consumes, in one place."""

from __future__ import annotations

from typing import Any

from huntaze_events import Envelope, MessageReceived, ReplySent
from huntaze_service import HandlerContext, Subscriptions

from . import handlers
from .domain import DraftingProvider


def subscriptions(provider: DraftingProvider) -> Subscriptions[Any]:
    subs: Subscriptions[Any] = Subscriptions()

    # One message per transaction: a remote model takes seconds, and each draft should reach the
    # inbox as soon as it is written, not when a whole batch is done.
    @subs.on(MessageReceived, name="draft_reply", batch_size=1)
    async def draft_reply(ctx: HandlerContext, event: Envelope[MessageReceived]) -> None:
        """Drafts a reply to each fan message (never sends it)."""
        await handlers.draft_reply(ctx, event, provider)

    @subs.on(ReplySent, name="conversation_history")
    async def conversation_history(ctx: HandlerContext, event: Envelope[ReplySent]) -> None:
        """Adds the creator's sent replies to the conversation history used for drafting."""
        await handlers.remember_sent_reply(ctx, event)

    return subs
