"""What the calendar (the content service) learns of a post: ``post.scheduled``, the post's plan as
it now is, emitted in the transaction of every change while it waits — scheduled, edited, moved,
cancelled — with its ``revision`` (consumers keep the highest) and, when a calendar command made the
change, that command's id."""

from __future__ import annotations

import uuid

from huntaze_events import PostScheduled

from .domain import Post, PostStatus
from .ports import Uow

EXCERPT = 120


def announce(uow: Uow, post: Post, command_id: uuid.UUID | None = None) -> None:
    """``post.scheduled`` for a post that is scheduled or was just cancelled (nothing otherwise)."""
    if post.status not in (PostStatus.SCHEDULED, PostStatus.CANCELLED):
        return
    uow.emit(
        PostScheduled(
            post_id=post.id,
            revision=post.revision,
            account_id=post.account_id,
            network=post.network.value,
            publish_at=post.publish_at,
            status=post.status.value,
            caption_excerpt=post.content.caption[:EXCERPT],
            media_ids=list(post.content.media_ids),
            campaign_id=post.campaign_id,
            command_id=command_id,
        ),
        creator_id=post.creator_id,
    )
