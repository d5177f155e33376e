"""Everything the analytics workers do, in one place: fold revenue events into the read models.

Every handler is set-based (one statement per table per batch) and idempotent on its own: facts
are keyed by transaction id, fan names keep the newest, subscription periods fold with max — the
chassis' event-id deduplication is a second line, not the only one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from huntaze_events import (
    CampaignCreated,
    ConversionTracked,
    Envelope,
    FanErased,
    FanSegmentChanged,
    LinkClicked,
    MediaUpdated,
    MediaUploaded,
    PostScheduled,
    PpvOffered,
    PpvUnlocked,
    ReplySent,
    ShiftCancelled,
    ShiftScheduled,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Subscriptions, Timer

from . import chatter_ledger, erasure, handlers, marketing, media, weekly_summary
from .config import AnalyticsSettings


def subscriptions(settings: AnalyticsSettings | None = None) -> Subscriptions:
    settings = settings or AnalyticsSettings()
    window = timedelta(hours=settings.attribution_window_h)
    settle = timedelta(seconds=settings.attribution_settle_s)
    weekly_first = timedelta(seconds=settings.weekly_first_s)
    subs = Subscriptions()

    @subs.on(FanErased, name="fan_erasure", batch_size=1)
    async def fan_erasure(uow: handlers.Uow, event: Envelope[FanErased]) -> None:
        """Deletes the fan's name and records the tombstone (one transaction per erasure); the
        fan's facts and subscription periods stay, so every total is unchanged."""
        await erasure.erase_fan(uow, event)

    @subs.on_batch(TransactionRecorded, name="revenue")
    async def revenue(uow: handlers.Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Keeps every sale, refund and chargeback once (by transaction id); sets the creator's weekly timer once."""
        await handlers.record_transactions(uow, events)
        await weekly_summary.ensure_weekly(uow, (e.creator_id for e in events), weekly_first)

    @subs.on_batch(SubscriptionStarted, name="subscriptions_started")
    async def started(uow: handlers.Uow, events: Sequence[Envelope[SubscriptionStarted]]) -> None:
        """Opens a subscription period (retention cohorts and churn)."""
        await handlers.record_subscriptions(uow, events)

    @subs.on_batch(SubscriptionRenewed, name="subscriptions_renewed")
    async def renewed(uow: handlers.Uow, events: Sequence[Envelope[SubscriptionRenewed]]) -> None:
        """Moves a subscription period's expiry."""
        await handlers.record_subscriptions(uow, events)

    @subs.on_batch(SubscriptionExpired, name="subscriptions_expired")
    async def expired(uow: handlers.Uow, events: Sequence[Envelope[SubscriptionExpired]]) -> None:
        """Ends a subscription period."""
        await handlers.record_subscriptions(uow, events)

    # chatters' performance and the sales ledger (analytics.chatter_ledger) ---------------------------
    @subs.on_batch(ReplySent, name="chatter_replies")
    async def chatter_replies(uow: handlers.Uow, events: Sequence[Envelope[ReplySent]]) -> None:
        """Keeps who replied to which fan, when, on which shift, and how long the fan waited."""
        await chatter_ledger.record_replies(uow, events)

    @subs.on_batch(PpvOffered, name="chatter_offers")
    async def chatter_offers(uow: handlers.Uow, events: Sequence[Envelope[PpvOffered]]) -> None:
        """Keeps each offer and who made it (unlock rates)."""
        await chatter_ledger.record_offers(uow, events)

    @subs.on_batch(PpvUnlocked, name="chatter_unlocks")
    async def chatter_unlocks(uow: handlers.Uow, events: Sequence[Envelope[PpvUnlocked]]) -> None:
        """Marks the offer unlocked and appends its maker's ``unlock`` line to the sales ledger."""
        await chatter_ledger.record_unlocks(uow, events)

    @subs.on_batch(ShiftScheduled, name="chatter_shifts")
    async def chatter_shifts(uow: handlers.Uow, events: Sequence[Envelope[ShiftScheduled]]) -> None:
        """Keeps each shift on this creator account (hours on shift)."""
        await chatter_ledger.record_shifts(uow, events)

    @subs.on_batch(ShiftCancelled, name="chatter_shifts_cancelled")
    async def chatter_shifts_cancelled(uow: handlers.Uow, events: Sequence[Envelope[ShiftCancelled]]) -> None:
        """A cancelled shift no longer counts."""
        await chatter_ledger.record_shifts(uow, events)

    @subs.on_batch(TransactionRecorded, name="chatter_sales")
    async def chatter_sales(uow: handlers.Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Schedules each sale's and reversal's attribution once the replies before it have settled."""
        await chatter_ledger.schedule_attribution(uow, events, settle)

    @subs.timer(chatter_ledger.ATTRIBUTE_SALE, chatter_ledger.SaleDue)
    async def attribute_sale(uow: handlers.Uow, timer: Timer[chatter_ledger.SaleDue]) -> None:
        """Appends the sale's ``after_reply`` or ``reversal`` line, or none when it is nobody's."""
        await chatter_ledger.attribute(uow, timer, window, settle)

    # marketing in money (analytics.marketing) -----------------------------------------------------
    @subs.on_batch(LinkClicked, name="marketing_clicks")
    async def marketing_clicks(uow: handlers.Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
        """Keeps each click on a tracking link once (conversion rates, best times)."""
        await marketing.record_clicks(uow, events)

    @subs.on_batch(ConversionTracked, name="marketing_conversions")
    async def marketing_conversions(uow: handlers.Uow, events: Sequence[Envelope[ConversionTracked]]) -> None:
        """Keeps each fan's conversion once: their transactions since count for its link, post, campaign."""
        await marketing.record_conversions(uow, events)

    @subs.on_batch(CampaignCreated, name="marketing_campaigns")
    async def marketing_campaigns(uow: handlers.Uow, events: Sequence[Envelope[CampaignCreated]]) -> None:
        """Keeps each campaign's cost (ROI)."""
        await marketing.record_campaigns(uow, events)

    # media ROI (analytics.media) -----------------------------------------------------------------
    @subs.on_batch(MediaUploaded, name="media_uploaded")
    async def media_uploaded(uow: handlers.Uow, events: Sequence[Envelope[MediaUploaded]]) -> None:
        """Keeps each vault item's title, kind and tags (revision 0: any update wins over it)."""
        await media.record_media(uow, events)

    @subs.on_batch(MediaUpdated, name="media_updated")
    async def media_updated(uow: handlers.Uow, events: Sequence[Envelope[MediaUpdated]]) -> None:
        """Keeps each vault item's latest revision (title, kind, tags, deleted)."""
        await media.record_media(uow, events)

    @subs.on_batch(PpvOffered, name="media_offers")
    async def media_offers(uow: handlers.Uow, events: Sequence[Envelope[PpvOffered]]) -> None:
        """Keeps each offer's media (its fan, price and time are the chatters' ``chatter_offers``)."""
        await media.record_offers(uow, events)

    @subs.on_batch(PpvUnlocked, name="media_unlocks")
    async def media_unlocks(uow: handlers.Uow, events: Sequence[Envelope[PpvUnlocked]]) -> None:
        """Keeps which transaction unlocked each offer (its amounts are in ``transactions``)."""
        await media.record_offers(uow, events)

    @subs.on_batch(TransactionRecorded, name="media_reversals")
    async def media_reversals(uow: handlers.Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Keeps which offer each refund or chargeback names (they subtract from its revenue)."""
        await media.record_reversals(uow, events)

    @subs.on_batch(FanSegmentChanged, name="media_segments")
    async def media_segments(uow: handlers.Uow, events: Sequence[Envelope[FanSegmentChanged]]) -> None:
        """Keeps each fan's segment history (to whom an offer sold: the segments at offer time)."""
        await media.record_segments(uow, events)

    @subs.on_batch(PostScheduled, name="weekly_post_captions")
    async def weekly_post_captions(uow: handlers.Uow, events: Sequence[Envelope[PostScheduled]]) -> None:
        """Keeps each post's caption excerpt (the weekly summary names posts by it)."""
        await weekly_summary.record_captions(uow, events)

    @subs.timer(weekly_summary.WEEKLY)
    async def weekly(uow: handlers.Uow, timer: Timer[None]) -> None:
        """The creator's week against the week before: ``week.summarized``, once per period."""
        await weekly_summary.fire(uow, timer.tenant, timer.due_at)

    return subs
