"""Events produced by the content service: the media vault, the calendar's own items, ideas asked of
the ai, and the moves a person makes in the calendar (commands to the service that owns the item)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event

MediaKind = Literal["photo", "video", "bundle"]
IdeaTarget = Literal["onlyfans", "instagram", "tiktok", "x", "reddit"]


@event("media.uploaded", version=1, producer="content", key="media_id")
class MediaUploaded(EventPayload):
    """A file was uploaded to the vault, checked (type by its first bytes) and filed, once per distinct
    file (the same bytes uploaded again are the same item). Consumers: analytics (media ROI), ai (ideas
    from what sells), marketing and inbox (whose media a post, an offer or a mass message may name)."""

    media_id: uuid.UUID
    kind: MediaKind
    content_type: str = Field(max_length=100, description="Read from the file's first bytes, not its name.")
    size_bytes: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    title: str = Field(max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=30)
    uploaded_at: AwareDatetime
    object_key: str | None = Field(
        default=None,
        max_length=1024,
        description="The file's key in the vault's S3 bucket (read by the services that publish it: marketing). "
        "Absent in events from before it was added.",
    )


@event("media.updated", version=1, producer="content", key="media_id")
class MediaUpdated(EventPayload):
    """A vault item's description changed, or it was deleted: its whole description as it now is.
    Consumers keep the latest ``revision``."""

    media_id: uuid.UUID
    revision: int = Field(ge=1)
    kind: MediaKind
    title: str = Field(max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=30)
    suggested_price_cents: int | None = Field(default=None, gt=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    deleted: bool = False


@event("content.planned", version=1, producer="content", key="item_id")
class ContentPlanned(EventPayload):
    """A calendar item of the content service itself (an OnlyFans drop or a note) was planned, moved,
    cancelled or marked done: its whole state as it now is (consumers keep the latest ``revision``)."""

    item_id: uuid.UUID
    revision: int = Field(ge=1)
    kind: Literal["drop", "note"]
    title: str = Field(max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    status: Literal["planned", "done", "cancelled"]


@event("ideas.requested", version=1, producer="content", key="request_id")
class IdeasRequested(EventPayload):
    """A person asked for content ideas; the ai answers with ``ideas.generated`` (same request id)."""

    request_id: uuid.UUID
    target: IdeaTarget = Field(description="Where the ideas are for.")
    count: int = Field(ge=1, le=20)
    theme: str | None = Field(default=None, max_length=200)
    requested_by: uuid.UUID


@event("post.move_requested", version=1, producer="content", key="post_id")
class PostMoveRequested(EventPayload):
    """A person moved a scheduled social post in the calendar. Marketing applies it and answers
    ``post.scheduled`` with this ``command_id``, or ``post.command_refused``."""

    command_id: uuid.UUID
    post_id: uuid.UUID
    publish_at: AwareDatetime
    requested_by: uuid.UUID


@event("massmessage.move_requested", version=1, producer="content", key="mass_message_id")
class MassMessageMoveRequested(EventPayload):
    """A person moved a scheduled mass message in the calendar. The inbox applies it and answers
    ``massmessage.scheduled`` with this ``command_id``, or ``massmessage.command_refused``."""

    command_id: uuid.UUID
    mass_message_id: uuid.UUID
    send_at: AwareDatetime
    requested_by: uuid.UUID


@event("post.requested", version=1, producer="content", key="command_id")
class PostRequested(EventPayload):
    """A social post asked for by a calendar import (one row). Marketing checks it against the
    network's rules like any post and answers ``post.scheduled`` with this ``command_id`` (the post
    made once, whatever the number of deliveries), or ``post.command_refused``."""

    command_id: uuid.UUID = Field(description="Stable for the row: re-importing the same row asks again with it.")
    account_id: uuid.UUID
    caption: str = Field(max_length=5000)
    publish_at: AwareDatetime
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=35)
    title: str | None = Field(default=None, max_length=300, description="Reddit only.")
    subreddit: str | None = Field(default=None, max_length=64, description="Reddit only.")
    requested_by: uuid.UUID
