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
