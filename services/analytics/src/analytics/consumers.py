"""Everything the analytics workers do, in one place: fold revenue events into the read models.

Every handler is set-based (one statement per table per batch) and idempotent on its own: facts
are keyed by transaction id, fan names keep the newest, subscription periods fold with max — the
chassis' event-id deduplication is a second line, not the only one.
"""

from __future__ import annotations

from collections.abc import Sequence

from huntaze_events import (
    Envelope,
    FanErased,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Subscriptions

from . import erasure, handlers


def subscriptions() -> Subscriptions:
    subs = Subscriptions()

    @subs.on(FanErased, name="fan_erasure", batch_size=1)
    async def fan_erasure(uow: handlers.Uow, event: Envelope[FanErased]) -> None:
        """Deletes the fan's name and records the tombstone (one transaction per erasure); the
        fan's facts and subscription periods stay, so every total is unchanged."""
        await erasure.erase_fan(uow, event)

    @subs.on_batch(TransactionRecorded, name="revenue")
    async def revenue(uow: handlers.Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Keeps every sale, refund and chargeback once (by transaction id) for the revenue reports."""
        await handlers.record_transactions(uow, events)

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

    return subs
