"""Everything the marketing workers do, in one place: publish each scheduled post at its time, once
(:mod:`.publishing`); attribute new subscribers to tracking links and keep the sales they make
(:mod:`.tracking`); apply the calendar's commands (:mod:`.commands`); keep a read model of the media
vault (:mod:`huntaze_service.vault_media`: posts naming another creator's or a deleted medium are
refused)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from huntaze_events import Envelope, PostMoveRequested, PostRequested, SubscriptionStarted, TransactionRecorded
from huntaze_service import Call, CallFailed, RetryPolicy, Subscriptions, Timer, entitlements, vault_media

from . import commands, publishing, tracking
from .credentials import CredentialsUnreadable, Vault
from .networks import Network
from .ports import Uow
from .publishing_port import NetworkAdapter, Published


def subscriptions(
    adapters: Mapping[Network, NetworkAdapter],
    vault: Vault,
    *,
    timeout_s: float = 60.0,
    retry: RetryPolicy | None = None,
) -> Subscriptions:
    subs = Subscriptions()

    @subs.on_batch(SubscriptionStarted, name="conversions")
    async def conversions(uow: Uow, events: Sequence[Envelope[SubscriptionStarted]]) -> None:
        """A new subscriber whose OnlyFans link is one of our links' → conversion.tracked (once per fan)."""
        await tracking.attribute_subscribers(uow, events)

    @subs.on_batch(TransactionRecorded, name="sales")
    async def sales(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Keeps every transaction once (by id): converted fans' ones count for their link."""
        await tracking.record_sales(uow, events)

    @subs.on(PostMoveRequested, name="calendar_moves")
    async def calendar_moves(uow: Uow, event: Envelope[PostMoveRequested]) -> None:
        """A post moved in the calendar: moved like a PATCH of its time (its timer too) and answered
        post.scheduled, or post.command_refused — once per command."""
        await commands.move_post(uow, event)

    @subs.on(PostRequested, name="calendar_requests")
    async def calendar_requests(uow: Uow, event: Envelope[PostRequested]) -> None:
        """A post asked for by a calendar import: scheduled like a POST (one per command) and answered
        post.scheduled, or post.command_refused."""
        await commands.request_post(uow, event)

    vault_media.subscribe(subs)  # vault_media_uploaded, vault_media_updated
    entitlements.subscribe(subs)  # entitlements: the networks the plan lets posts be scheduled on

    @subs.timer(publishing.PUBLISH_DUE)
    async def publish_post(uow: Uow, timer: Timer[None]) -> None:
        """A post's time came: it is being published (its network call recorded)."""
        await publishing.due(uow, timer)

    def parts(call: Call[publishing.PublishCall]) -> tuple[NetworkAdapter, dict[str, object]]:
        adapter = adapters.get(call.payload.network)
        if adapter is None:
            raise CallFailed(f"{call.payload.network.value}: publishing there is not available yet", permanent=True)
        try:
            return adapter, vault.open(call.payload.sealed_credentials.encode("ascii"))
        except CredentialsUnreadable as exc:
            raise CallFailed(str(exc), permanent=True) from None

    async def publish(call: Call[publishing.PublishCall]) -> Published:
        adapter, credentials = parts(call)
        return await adapter.publish(credentials, call.payload.outgoing())

    async def reconcile(call: Call[publishing.PublishCall]) -> Published | None:
        adapter, credentials = parts(call)
        return await adapter.find(credentials, call.payload.outgoing())

    subs.call(
        publishing.PUBLISH,
        publishing.PublishCall,
        remote=publish,
        on_result=publishing.record_published,
        on_failure=publishing.record_failure,
        reconcile=reconcile,
        timeout_s=timeout_s,
        retry=retry or RetryPolicy(max_attempts=6, initial_backoff_s=5.0, max_backoff_s=300.0),
        description="Publishes a post on its network; after an interrupted attempt, looks it up there first.",
    )
    return subs
