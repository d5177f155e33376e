"""Everything the ai workers do, in one place."""

from __future__ import annotations

import time
from collections.abc import Sequence

from huntaze_events import (
    AutomationTextRequested,
    Envelope,
    FanErased,
    FanSegmentChanged,
    MessageReceived,
    ReplyRegenerationRequested,
    ReplySent,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Call, RetryPolicy, Subscriptions

from . import erasure, handlers
from .domain import DraftCall, Drafted, DraftingProvider


def subscriptions(
    provider: DraftingProvider, *, draft_timeout_s: float = 65.0, draft_attempts: int = 5
) -> Subscriptions:
    subs = Subscriptions()

    @subs.on(FanErased, name="fan_erasure", batch_size=1)
    async def fan_erasure(uow: handlers.Uow, event: Envelope[FanErased]) -> None:
        """Deletes the fan's conversation history and drafts and records the tombstone (one
        transaction per erasure); nothing of the fan is stored afterwards."""
        await erasure.erase_fan(uow, event)

    @subs.on_batch(MessageReceived, name="draft_reply")
    async def draft_reply(uow: handlers.Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
        """Records a draft request for each fan message (drafted after the commit; never sent)."""
        await handlers.request_drafts(uow, events)

    @subs.on(ReplyRegenerationRequested, name="regenerate")
    async def regenerate(uow: handlers.Uow, event: Envelope[ReplyRegenerationRequested]) -> None:
        """A person asked for another draft (maybe with an instruction): records its drafting call."""
        await handlers.request_regeneration(uow, event)

    @subs.on(AutomationTextRequested, name="automation_texts")
    async def automation_texts(uow: handlers.Uow, event: Envelope[AutomationTextRequested]) -> None:
        """An automation whose message the AI writes fired: records its writing call (one per run)."""
        await handlers.request_automation_text(uow, event)

    @subs.on(ReplySent, name="conversation_history")
    async def conversation_history(uow: handlers.Uow, event: Envelope[ReplySent]) -> None:
        """Adds the creator's sent replies to the conversation history used for drafting."""
        await handlers.remember_sent_reply(uow, event)

    # what the ai knows of each fan, to write to them as the fan they are ----------------------------
    @subs.on(TransactionRecorded, name="fan_spend")
    async def fan_spend(uow: handlers.Uow, event: Envelope[TransactionRecorded]) -> None:
        """What each fan spent (net, sales less reversals), for drafts that know a whale."""
        await handlers.record_spend(uow, event)

    @subs.on(FanSegmentChanged, name="fan_segments")
    async def fan_segments(uow: handlers.Uow, event: Envelope[FanSegmentChanged]) -> None:
        """Which segments each fan is in (whales, new, expiring, lapsed…)."""
        await handlers.record_segment(uow, event)

    @subs.on(SubscriptionStarted, name="fan_subscription_started")
    async def fan_subscription_started(uow: handlers.Uow, event: Envelope[SubscriptionStarted]) -> None:
        """The fan's subscription and when it ends, for drafts that mention an ending one."""
        await handlers.record_subscription(uow, event)

    @subs.on(SubscriptionRenewed, name="fan_subscription_renewed")
    async def fan_subscription_renewed(uow: handlers.Uow, event: Envelope[SubscriptionRenewed]) -> None:
        """A renewal moves the fan's subscription end."""
        await handlers.record_subscription(uow, event)

    @subs.on(SubscriptionExpired, name="fan_subscription_expired")
    async def fan_subscription_expired(uow: handlers.Uow, event: Envelope[SubscriptionExpired]) -> None:
        """The fan's subscription ended."""
        await handlers.record_subscription(uow, event)

    async def write(call: Call[DraftCall]) -> Drafted:
        """Asks the drafting provider (OpenAI, Azure OpenAI or offline) for a reply. A repeat after
        a crash costs one more completion and changes nothing: the draft is recorded once."""
        started = time.perf_counter()
        draft = await provider.draft(call.payload.request(call.tenant))
        return Drafted(draft, int((time.perf_counter() - started) * 1000))

    subs.call(
        handlers.DRAFT_REPLY,
        DraftCall,
        remote=write,
        on_result=handlers.record_draft,
        timeout_s=draft_timeout_s,
        retry=RetryPolicy(max_attempts=draft_attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
    )
    subs.call(
        handlers.WRITE_AUTOMATION,
        DraftCall,
        remote=write,
        on_result=handlers.record_automation_text,
        timeout_s=draft_timeout_s,
        retry=RetryPolicy(max_attempts=draft_attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
        description="Writes an automation's message (the creator's instruction, the fan as they are).",
    )
    return subs
