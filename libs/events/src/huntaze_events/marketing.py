"""Events produced by the marketing service (post aggregate: key = post_id)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event

Network = Literal["instagram", "tiktok", "x", "reddit"]


@event("post.published", version=1, producer="marketing", key="post_id")
class PostPublished(EventPayload):
    """A scheduled post is live on its network (once per post: a retry or a reconciliation that
    finds it there does not publish it again). Consumers: analytics (revenue per post), content
    (calendar, media usage)."""

    post_id: uuid.UUID
    account_id: uuid.UUID
    network: Network
    network_post_id: str = Field(max_length=128, description="The network's id of the post.")
    scheduled_for: AwareDatetime
    published_at: AwareDatetime
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=35)
    reconciled: bool = Field(
        default=False, description="True when found on the network after an interrupted attempt, not published again."
    )


@event("post.failed", version=1, producer="marketing", key="post_id")
class PostFailed(EventPayload):
    """A scheduled post could not be published: the network refused it, or kept failing."""

    post_id: uuid.UUID
    account_id: uuid.UUID
    network: Network
    scheduled_for: AwareDatetime
    reason: str = Field(max_length=500, description="The network's reason, as it gave it.")


@event("link.clicked", version=1, producer="marketing", key="link_id")
class LinkClicked(EventPayload):
    """Someone followed a tracking link (``GET /l/{code}``) and was sent on to its target. Robots'
    clicks are reported too, marked ``bot``: consumers leave them out of rates. Consumers: analytics
    (conversion, best times)."""

    link_id: uuid.UUID
    click_id: uuid.UUID
    clicked_at: AwareDatetime
    post_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    network: Network | None = Field(
        default=None, description="Where the link is shared (its post's network, or the one named on the link)."
    )
    referrer_network: Network | None = Field(
        default=None, description="Where this visitor came from: `utm_source`, else the referrer's host; None: unknown."
    )
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, when known.")
    bot: bool = Field(description="A crawler, a link previewer or an HTTP library, by its user agent.")


@event("conversion.tracked", version=1, producer="marketing", key="fan_id")
class ConversionTracked(EventPayload):
    """A new subscriber came through one of our tracking links (``subscription.started`` named the
    OnlyFans link stored on it). From ``converted_at`` on, every transaction of this fan counts for the
    link, its post, its campaign and its network. Once per fan and creator: the first link wins.
    Consumers: analytics (conversion, revenue per post), fans."""

    fan_id: uuid.UUID
    link_id: uuid.UUID
    post_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    network: Network | None = Field(default=None, description="The link's network (its post's, or named on it).")
    onlyfans_link: str = Field(max_length=2048, description="The OnlyFans link the connector reported.")
    converted_at: AwareDatetime = Field(description="When the subscription started.")


@event("campaign.created", version=1, producer="marketing", key="campaign_id")
class CampaignCreated(EventPayload):
    """A marketing campaign with its cost and span. Consumers: analytics (ROI by campaign), content
    (the calendar shows campaigns as spans)."""

    campaign_id: uuid.UUID
    name: str = Field(max_length=120)
    cost_cents: int = Field(ge=0, description="What the campaign costs, integer minor units.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


@event("post.scheduled", version=1, producer="marketing", key="post_id")
class PostScheduled(EventPayload):
    """A post was scheduled, edited, moved or cancelled while waiting: its plan as it now is
    (consumers keep the highest ``revision``). Consumers: content (calendar, media in use), analytics (caption
    excerpts that name posts in the weekly summary)."""

    post_id: uuid.UUID
    revision: int = Field(ge=1, description="Grows by one at every change of the post.")
    account_id: uuid.UUID
    network: Network
    publish_at: AwareDatetime
    status: Literal["scheduled", "cancelled"]
    caption_excerpt: str = Field(max_length=120, description="The caption's first characters, for a calendar.")
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=35)
    campaign_id: uuid.UUID | None = None
    command_id: uuid.UUID | None = Field(
        default=None, description="The calendar command (a move, an imported row) this change applied, if any."
    )


@event("post.command_refused", version=1, producer="marketing", key="command_id")
class PostCommandRefused(EventPayload):
    """A calendar command (``post.move_requested``, ``post.requested``) could not be applied: already
    published, cancelled, a time in the past, an unknown post or account, the network's rules. Nothing
    changed."""

    command_id: uuid.UUID
    post_id: uuid.UUID | None = Field(default=None, description="The post a move named; None for a request.")
    reason: str = Field(max_length=300)
