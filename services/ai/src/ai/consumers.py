"""Everything the ai workers do, in one place."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from huntaze_events import (
    AutomationTextRequested,
    ConversionTracked,
    Envelope,
    FanErased,
    FanSegmentChanged,
    IdeasRequested,
    LinkClicked,
    MediaUpdated,
    MediaUploaded,
    MessageReceived,
    PostPublished,
    PpvOffered,
    PpvUnlocked,
    ReplyRegenerationRequested,
    ReplySent,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Call, RetryPolicy, Subscriptions, Timer, entitlements

from . import erasure, handlers, ideas, quota
from .adapters.offline_ideas import OfflineIdeas
from .anomalies import subscriptions as anomaly_subscriptions
from .domain import DraftCall, Drafted, DraftingProvider
from .ideas import IdeaBrief, IdeasWritten, IdeaWriter
from .insights import consumer as insights
from .insights.records import InsightWriter
from .pricing import experiment_runs, records, review


def subscriptions(
    provider: DraftingProvider,
    *,
    draft_timeout_s: float = 65.0,
    draft_attempts: int = 5,
    idea_writer: IdeaWriter | None = None,
    ideas_timeout_s: float = 185.0,
    pricing_first_review_s: float = 300.0,
    anomaly_first_check_s: float = 600.0,
    insight_writer: InsightWriter | None = None,
    insights_timeout_s: float = 185.0,
) -> Subscriptions:
    subs = Subscriptions()
    entitlements.subscribe(subs)  # entitlements: what each organisation's plan allows (ai_drafts_per_month)

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
        on_failure=quota.draft_failed,
        timeout_s=draft_timeout_s,
        retry=RetryPolicy(max_attempts=draft_attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
    )
    subs.call(
        handlers.WRITE_AUTOMATION,
        DraftCall,
        remote=write,
        on_result=handlers.record_automation_text,
        on_failure=quota.draft_failed,
        timeout_s=draft_timeout_s,
        retry=RetryPolicy(max_attempts=draft_attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
        description="Writes an automation's message (the creator's instruction, the fan as they are).",
    )
    _ideas(subs, idea_writer, timeout_s=ideas_timeout_s, attempts=draft_attempts)
    _pricing(subs, timedelta(seconds=pricing_first_review_s))
    anomaly_subscriptions.subscribe(subs, timedelta(seconds=anomaly_first_check_s))
    insights.subscribe(subs, insight_writer, timeout_s=insights_timeout_s, attempts=draft_attempts)
    return subs


def _pricing(subs: Subscriptions, first_review: timedelta) -> None:
    """Price suggestions from the creator's own sales (:mod:`ai.pricing`): the read model and the review."""

    @subs.on_batch(PpvOffered, name="pricing_offers")
    async def pricing_offers(uow: handlers.Uow, events: Sequence[Envelope[PpvOffered]]) -> None:
        """Each paid offer: its price, media kind and the fan's segment (the offers a price got), and the price
        test it belongs to (a test it decides ends)."""
        await records.record_offers(uow, events)
        for creator in sorted({e.creator_id for e in events}):
            await review.ensure_review(uow, creator, first_review)
        await experiment_runs.decide(uow, {e.creator_id for e in events if e.payload.experiment_id})

    @subs.on_batch(PpvUnlocked, name="pricing_unlocks")
    async def pricing_unlocks(uow: handlers.Uow, events: Sequence[Envelope[PpvUnlocked]]) -> None:
        """Each unlock of a paid offer (which may arrive before the offer); a price test it decides ends."""
        await records.record_offers(uow, events)
        for creator in sorted({e.creator_id for e in events}):
            await review.ensure_review(uow, creator, first_review)
        await experiment_runs.decide(uow, {e.creator_id for e in events})

    @subs.on(MediaUploaded, name="pricing_media_uploaded")
    async def pricing_media_uploaded(uow: handlers.Uow, event: Envelope[MediaUploaded]) -> None:
        """A medium's kind (photo, video, bundle), to price offers per kind."""
        await records.record_media(uow, event)

    @subs.on(MediaUpdated, name="pricing_media_updated")
    async def pricing_media_updated(uow: handlers.Uow, event: Envelope[MediaUpdated]) -> None:
        """A medium's kind, as it now is."""
        await records.record_media(uow, event)

    @subs.on(TransactionRecorded, name="pricing_tips")
    async def pricing_tips(uow: handlers.Uow, event: Envelope[TransactionRecorded]) -> None:
        """What fans tip (the tip menu)."""
        await records.record_tip(uow, event)

    @subs.on(SubscriptionStarted, name="pricing_subscriptions_started")
    async def pricing_subscriptions_started(uow: handlers.Uow, event: Envelope[SubscriptionStarted]) -> None:
        """A subscription's price and whether a tracking link or a trial brought it."""
        await records.record_subscription(uow, event)
        await review.ensure_review(uow, event.creator_id, first_review)

    @subs.on(SubscriptionRenewed, name="pricing_subscriptions_renewed")
    async def pricing_subscriptions_renewed(uow: handlers.Uow, event: Envelope[SubscriptionRenewed]) -> None:
        """A subscription at a price renewed (retention by price)."""
        await records.record_subscription(uow, event)

    @subs.on(SubscriptionExpired, name="pricing_subscriptions_expired")
    async def pricing_subscriptions_expired(uow: handlers.Uow, event: Envelope[SubscriptionExpired]) -> None:
        """A subscription at a price ended (churn by price)."""
        await records.record_subscription(uow, event)

    @subs.on_batch(LinkClicked, name="pricing_clicks")
    async def pricing_clicks(uow: handlers.Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
        """Tracking-link visitors per day (robots left out): what link subscribers converted from."""
        await records.record_clicks(uow, events)

    @subs.timer(review.REVIEW)
    async def pricing_review(uow: handlers.Uow, timer: Timer[None]) -> None:
        """The creator's daily pricing review: price.suggested for each scope whose suggestion changed."""
        await review.review(uow, timer.tenant)


def _ideas(subs: Subscriptions, writer: IdeaWriter | None, *, timeout_s: float, attempts: int) -> None:
    """Content ideas grounded in what sells (:mod:`ai.ideas`): the read model, the request, the call."""
    writer = writer or OfflineIdeas()

    @subs.on(TransactionRecorded, name="idea_sales")
    async def idea_sales(uow: ideas.Uow, event: Envelope[TransactionRecorded]) -> None:
        """Revenue by hour of day (the hours that sell)."""
        await ideas.record_sale(uow, event)

    @subs.on(PpvUnlocked, name="idea_unlocks")
    async def idea_unlocks(uow: ideas.Uow, event: Envelope[PpvUnlocked]) -> None:
        """Which media sold, at what price, to which fan."""
        await ideas.record_unlock(uow, event)

    @subs.on(MediaUploaded, name="idea_media_uploaded")
    async def idea_media_uploaded(uow: ideas.Uow, event: Envelope[MediaUploaded]) -> None:
        """A media item's title and tags (the themes that sell)."""
        await ideas.record_media(uow, event)

    @subs.on(MediaUpdated, name="idea_media_updated")
    async def idea_media_updated(uow: ideas.Uow, event: Envelope[MediaUpdated]) -> None:
        """A media item's new title and tags (a later revision wins)."""
        await ideas.record_media(uow, event)

    @subs.on(PostPublished, name="idea_posts")
    async def idea_posts(uow: ideas.Uow, event: Envelope[PostPublished]) -> None:
        """Published posts and their networks (the posts that converted)."""
        await ideas.record_post(uow, event)

    @subs.on(ConversionTracked, name="idea_conversions")
    async def idea_conversions(uow: ideas.Uow, event: Envelope[ConversionTracked]) -> None:
        """Subscribers a post or network brought (their later sales count for it)."""
        await ideas.record_conversion(uow, event)

    @subs.on(IdeasRequested, name="ideas_requested")
    async def ideas_requested(uow: ideas.Uow, event: Envelope[IdeasRequested]) -> None:
        """A person asked for ideas: the creator's facts are read and the writing call recorded."""
        await ideas.request_ideas(uow, event)

    async def write(call: Call[IdeaBrief]) -> IdeasWritten:
        """Asks the idea writer (the remote model, falling back offline, or offline)."""
        return await writer.ideas(call.tenant, call.payload)

    subs.call(
        ideas.WRITE_IDEAS,
        IdeaBrief,
        remote=write,
        on_result=ideas.record_ideas,
        timeout_s=timeout_s,
        retry=RetryPolicy(max_attempts=attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
        description="Writes content ideas from the creator's facts; the answer is kept and emitted once per request.",
    )
