"""Everything the notifications workers do, in one place: webhook fan-out of the events creators may
send to their tools, in-app notices, a fan's erasure, and the delivery attempts (external calls)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from huntaze_events import (
    AnomalyDetected,
    ConversationPrioritized,
    Envelope,
    FanErased,
    PostFailed,
    PostPublished,
    PpvUnlocked,
    PriceExperimentEnded,
    PriceSuggested,
    ReplyOverdue,
    SubscriptionExpired,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_events.registry import REGISTRY
from huntaze_service import Subscriptions
from huntaze_service.sealing import SealedBox

from . import deliveries, notices
from .config import NotificationsSettings
from .ports import Sender, Uow

FORWARDED = (TransactionRecorded, SubscriptionStarted, SubscriptionExpired, PpvUnlocked, PostPublished)
"""Events only forwarded to webhooks (post.failed, price.suggested, price_experiment.ended and anomaly.detected
are also notices: their handlers do both)."""


def subscriptions(
    settings: NotificationsSettings | None = None,
    box_of: Callable[[], SealedBox] | None = None,
    sender_of: Callable[[], Sender] | None = None,
) -> Subscriptions:
    settings = settings or NotificationsSettings()
    subs = Subscriptions()

    for model in FORWARDED:
        _forward(subs, model)

    # also notices: each handler tells the people who act on it, then forwards to the endpoints that chose it
    _notice_and_forward(subs, PostFailed, "post_failed", notices.post_failed, "the team: a post failed")
    _notice_and_forward(subs, PriceSuggested, "price_suggested", notices.price_suggested,
                        "owners and managers: a new price suggestion")  # fmt: skip
    _notice_and_forward(subs, PriceExperimentEnded, "price_test_ended", notices.price_test_ended,
                        "owners and managers: how a price test ended")  # fmt: skip
    _notice_and_forward(subs, AnomalyDetected, "anomaly_detected", notices.anomaly_detected,
                        "owners and managers: an anomaly")  # fmt: skip

    @subs.on(ConversationPrioritized, name="whale_notices")
    async def whale_notices(uow: Uow, event: Envelope[ConversationPrioritized]) -> None:
        """A whale wrote: tells the person it was routed to (the team when nobody is on shift); not
        forwarded to webhooks (it is about a fan)."""
        await notices.whale(uow, event)

    @subs.on(ReplyOverdue, name="unanswered_notices")
    async def unanswered_notices(uow: Uow, event: Envelope[ReplyOverdue]) -> None:
        """Fans waited too long: tells the people on shift, and owners and managers; not forwarded to
        webhooks (it lists fans)."""
        await notices.unanswered(uow, event)

    @subs.on(FanErased, name="fan_erased")
    async def fan_erased(uow: Uow, event: Envelope[FanErased]) -> None:
        """Empties the stored bodies of the deliveries about an erased fan."""
        await uow.repo.erase_fan(event.creator_id, event.payload.fan_id)

    policy = deliveries.DeliveryPolicy(
        first_retry_s=settings.webhook_first_retry_s,
        max_retry_s=settings.webhook_max_retry_s,
        retry_for_s=settings.webhook_retry_for_s,
        disable_after_s=settings.webhook_disable_after_s,
    )

    @cache
    def default_box() -> SealedBox:
        from .bootstrap import sealed_box

        return sealed_box(settings)

    @cache
    def default_sender() -> Sender:
        from .bootstrap import http_sender

        return http_sender(settings)

    deliveries.subscribe(subs, policy, box_of or default_box, sender_of or default_sender, settings.webhook_timeout_s)
    return subs


def _notice_and_forward(
    subs: Subscriptions, model: Any, name: str, notice: Callable[[Uow, Envelope[Any]], Awaitable[None]], who: str
) -> None:
    async def handle(uow: Uow, event: Envelope[Any]) -> None:
        await notice(uow, event)
        await deliveries.fan_out(uow, event)

    handle.__doc__ = f"Tells {who} (a notice), and forwards it to the webhook endpoints that chose it."
    subs.on(model, name=name)(handle)


def _forward(subs: Subscriptions, model: Any) -> None:
    type_name = REGISTRY.for_model(model).type
    name = f"webhooks_{type_name.replace('.', '_')}"

    async def forward(uow: Uow, event: Envelope[Any]) -> None:
        await deliveries.fan_out(uow, event)

    forward.__doc__ = f"Forwards {type_name} to the webhook endpoints that chose it."
    subs.on(model, name=name)(forward)
