"""Everything the ai service consumes, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huntaze_events import Envelope, MessageReceived, ReplySent
from huntaze_service import HandlerContext, Subscriptions

from . import handlers
from .domain import DraftingProvider


def subscriptions(provider: DraftingProvider, batch_size: int = 16, concurrency: int = 8) -> Subscriptions[Any]:
    subs: Subscriptions[Any] = Subscriptions()

    # Small batches: a remote model takes seconds per draft (they run concurrently within a batch),
    # and drafts reach the inbox when their batch commits.
    @subs.on_batch(MessageReceived, name="draft_reply", batch_size=batch_size)
    async def draft_reply(ctx: HandlerContext, events: Sequence[Envelope[MessageReceived]]) -> None:
        """Drafts a reply to each fan message (never sends it)."""
        await handlers.draft_replies(ctx, events, provider, concurrency)

    @subs.on(ReplySent, name="conversation_history")
    async def conversation_history(ctx: HandlerContext, event: Envelope[ReplySent]) -> None:
        """Adds the creator's sent replies to the conversation history used for drafting."""
        await handlers.remember_sent_reply(ctx, event)

    return subs
